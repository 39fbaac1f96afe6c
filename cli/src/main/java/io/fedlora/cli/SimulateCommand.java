package io.fedlora.cli;

import io.fedlora.aggregation.Strategies;
import io.fedlora.aggregation.StrategySpec;
import io.fedlora.simulation.Experiment;
import io.fedlora.simulation.ExperimentReport;
import io.fedlora.simulation.ExperimentResult;
import io.fedlora.simulation.FeatureDomainScenario;
import io.fedlora.simulation.LoopSettings;
import io.fedlora.simulation.OpThreads;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fedlora simulate}: the feature-domain scenario (Fashion-MNIST, one domain per client)
 * under several strategies and seeds in one JVM, writing the experiment's results and chart.
 */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = {
            "Simulate federated LoRA fine-tuning in one JVM: Fashion-MNIST clients, one feature"
                    + " domain each (identity, inverted, rotated, blurred, noisy, edges), over a"
                    + " ViT pre-trained on the identity domain (cached), for each strategy and"
                    + " seed.",
            "Writes results.csv, results.json, summary.csv and accuracy.svg into the run directory"
                    + " and prints the summary."
        })
final class SimulateCommand implements Callable<Integer> {

    static final LoopSettings DEFAULT_LOOP =
            new LoopSettings(20, 2, 16, 32, 6e-3, 300, Double.POSITIVE_INFINITY, 1, 1);

    @Option(
            names = "--strategies",
            split = ",",
            description = "Strategies to compare (default: every known one: ${DEFAULT-VALUE}).")
    List<String> strategies = new ArrayList<>(Strategies.names());

    @Option(
            names = "--rounds",
            defaultValue = "20",
            description = "Federated rounds (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--seeds",
            defaultValue = "3",
            description = "Runs per strategy, seeds 1..N (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--clients",
            defaultValue = "6",
            description = "Clients, feature domains dealt round-robin (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
            names = "--option",
            description =
                    "Strategy option key=value for every strategy, or strategy.key=value for one"
                            + " (repeatable).")
    List<String> options = new ArrayList<>();

    @Option(
            names = "--run-dir",
            defaultValue = "runs/simulate",
            description = "Where the results go (default: ${DEFAULT-VALUE}).")
    Path runDir;

    @Option(
            names = "--data",
            description = "Fashion-MNIST IDX directory (default: the Debian package's).")
    Path dataDir;

    @Option(
            names = "--cache-dir",
            defaultValue = "runs/cache",
            description = "Where the pre-trained base is cached (default: ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Option(
            names = "--local-steps",
            description = "Local optimiser steps per client and round (default: 16).")
    Integer localSteps;

    @Option(names = "--batch-size", description = "Local batch size (default: 32).")
    Integer batchSize;

    @Option(names = "--learning-rate", description = "Local AdamW learning rate (default: 6e-3).")
    Double learningRate;

    @Option(
            names = "--eval-every",
            description =
                    "Federated evaluation every N rounds (default: 2; always after the last).")
    Integer evalEvery;

    @Option(
            names = "--train-per-client",
            description = "Training images per client (default: 640).")
    Integer trainPerClient;

    @Option(names = "--test-per-client", description = "Held-out images per client (default: 300).")
    Integer testPerClient;

    @Option(
            names = "--threads",
            description =
                    "Clients trained at once, each op on one thread (default: the number of"
                            + " cores).")
    Integer threads;

    @Option(
            names = "--pretrain-steps",
            description = "Pre-training steps of the base, when not cached (default: 1200).")
    Integer pretrainSteps;

    @Override
    public Integer call() throws IOException {
        List<StrategySpec> specs = StrategyOptions.specs(strategies, options);
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
        FeatureDomainScenario.Settings d = FeatureDomainScenario.Settings.defaults();
        FeatureDomainScenario.Settings s =
                d.withData(dataDir != null ? dataDir : d.dataDir())
                        .withCache(cacheDir)
                        .withClients(
                                clients,
                                trainPerClient != null ? trainPerClient : d.trainPerClient(),
                                testPerClient != null ? testPerClient : d.testPerClient())
                        .withPretraining(
                                d.model(),
                                d.pretrainExamples(),
                                pretrainSteps != null ? pretrainSteps : d.pretrainSteps());
        LoopSettings loop =
                DEFAULT_LOOP
                        .withRounds(rounds)
                        .withEvalEvery(evalEvery != null ? evalEvery : DEFAULT_LOOP.evalEvery())
                        .withLocalTraining(
                                localSteps != null ? localSteps : DEFAULT_LOOP.localSteps(),
                                batchSize != null ? batchSize : DEFAULT_LOOP.batchSize(),
                                learningRate != null ? learningRate : DEFAULT_LOOP.learningRate());
        int parallelism = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (parallelism < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + parallelism);
        }
        loop = loop.withParallelism(parallelism);
        List<Long> seedList = LongStream.rangeClosed(1, seeds).boxed().toList();
        Experiment.Settings experiment = new Experiment.Settings(specs, seedList, loop);
        Experiment.check(experiment);

        // The model is small: one thread per op and several clients at once beats splitting ops.
        OpThreads.oneThreadPerOp();
        FeatureDomainScenario scenario = FeatureDomainScenario.prepare(s, System.out::println);
        System.out.printf(
                Locale.ROOT,
                "fedlora simulate: %s%n  %d strategies × %d seeds, %d rounds, %d local steps of"
                        + " batch %d per client and round, %d clients at a time%n",
                scenario.description(),
                specs.size(),
                seeds,
                loop.rounds(),
                loop.localSteps(),
                loop.batchSize(),
                loop.parallelism());
        ExperimentResult result = new Experiment(scenario, experiment, System.out::println).run();
        List<Path> written = ExperimentReport.write(runDir, result);

        System.out.println();
        System.out.print(ExperimentReport.table(ExperimentReport.summary(result)));
        System.out.println("wrote " + runDir.toAbsolutePath().normalize() + "/");
        for (Path p : written) {
            System.out.println("  " + p.getFileName());
        }
        return 0;
    }
}
