package io.fedlora.simulation;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs one round's client tasks (training or evaluation) on a fixed number of threads and hands
 * back their outcomes in task order, so that a run's results never depend on which client finished
 * first. With one thread the tasks run on the caller's thread. A task's runtime exception is its
 * outcome (the client failed); errors propagate.
 */
final class ClientTasks implements AutoCloseable {

    /** A task's value, or the exception it ended with. */
    record Outcome<T>(T value, RuntimeException error) {}

    private final ExecutorService pool;

    ClientTasks(int parallelism) {
        if (parallelism <= 1) {
            pool = null;
            return;
        }
        AtomicInteger n = new AtomicInteger();
        pool =
                Executors.newFixedThreadPool(
                        parallelism,
                        r -> {
                            Thread t = new Thread(r, "fedlora-client-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
    }

    <T> List<Outcome<T>> run(List<Callable<T>> tasks) {
        List<Outcome<T>> outcomes = new ArrayList<>(tasks.size());
        if (pool == null) {
            for (Callable<T> task : tasks) {
                outcomes.add(call(task));
            }
            return outcomes;
        }
        List<Future<Outcome<T>>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            futures.add(pool.submit(() -> call(task)));
        }
        for (Future<Outcome<T>> f : futures) {
            try {
                outcomes.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while clients were running", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException("a client task failed", e.getCause());
            }
        }
        return outcomes;
    }

    private static <T> Outcome<T> call(Callable<T> task) {
        try {
            return new Outcome<>(task.call(), null);
        } catch (RuntimeException e) {
            return new Outcome<>(null, e);
        } catch (Exception e) {
            return new Outcome<>(null, new IllegalStateException(e.getMessage(), e));
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
