package io.fedlora.worker;

import io.fedlora.aggregation.ClientInfo;
import io.fedlora.aggregation.EvaluateInstruction;
import io.fedlora.aggregation.EvaluateResult;
import io.fedlora.aggregation.FitInstruction;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.lora.Adapter;
import io.fedlora.simulation.FeatureDomainScenario;
import io.fedlora.simulation.ScenarioConfig;
import io.fedlora.simulation.SharedBase;
import io.fedlora.simulation.VirtualClient;
import io.fedlora.simulation.VirtualClientRunner;
import io.fedlora.train.TrainConfig;
import io.fedlora.transport.message.Message;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a worker trains on: one client of the scenario (its training and held-out data) over the
 * scenario's frozen base, trained and evaluated by the simulation's {@link VirtualClientRunner}, so
 * a cluster worker and a simulated client given the same instruction produce the same adapter. The
 * model is rebuilt for every job from the base held in memory; nothing else carries over.
 */
public final class LocalClient {

    private final VirtualClient client;
    private final VirtualClientRunner runner;

    private LocalClient(VirtualClient client, VirtualClientRunner runner) {
        this.client = client;
        this.runner = runner;
    }

    /**
     * Client {@code index} of {@code scenario}, its data split by the scenario config's seed.
     *
     * @param maxRank the largest rank this worker trains and evaluates at
     * @param evalBatchSize batch size of evaluation
     * @throws IllegalArgumentException when the scenario has no client {@code index}
     */
    public static LocalClient of(
            ScenarioConfig config,
            FeatureDomainScenario scenario,
            int index,
            int maxRank,
            int evalBatchSize) {
        List<VirtualClient> clients = config.clients(scenario);
        if (index < 0 || index >= clients.size()) {
            throw new IllegalArgumentException(
                    "fedlora.worker.client "
                            + index
                            + " is not a client of the scenario (it has "
                            + clients.size()
                            + ": 0.."
                            + (clients.size() - 1)
                            + ")");
        }
        VirtualClient c = clients.get(index);
        // The worker's own rank limit replaces the scenario's: it is what the worker advertises.
        ClientInfo info =
                new ClientInfo(c.id(), maxRank, c.info().exampleCount(), c.info().properties());
        VirtualClientRunner runner =
                new VirtualClientRunner(
                        scenario.models(),
                        new SharedBase(scenario.baseWeights()),
                        scenario.lora(),
                        evalBatchSize);
        return new LocalClient(new VirtualClient(info, c.train(), c.test()), runner);
    }

    /** The scenario client's id (e.g. {@code c1-inverted}). */
    public String clientId() {
        return client.id();
    }

    /** Training examples. */
    public long exampleCount() {
        return client.train().size();
    }

    /** Held-out examples. */
    public long testCount() {
        return client.test().size();
    }

    public int maxRank() {
        return client.info().maxRank();
    }

    /** Properties of the scenario client (e.g. its {@code domain}). */
    public Map<String, String> properties() {
        return client.info().properties();
    }

    /**
     * Trains from {@code global} (adapter version {@code instruction.adapterVersion()}) truncated
     * to the instructed rank, for the instruction's steps at its learning rate and seed, in batches
     * of {@code batchSize}, with its options applied; returns the trained adapter, the example
     * count and the metrics {@code loss}, {@code loss_first} and {@code seconds}.
     *
     * @throws IllegalArgumentException when the rank exceeds this worker's or the adapter's, or an
     *     option cannot be honoured
     */
    public FitResult fit(Message.FitInstruction instruction, Adapter global, int batchSize) {
        Objects.requireNonNull(global, "global");
        if (instruction.rank() > maxRank()) {
            throw new IllegalArgumentException(
                    "rank " + instruction.rank() + " exceeds this worker's max-rank " + maxRank());
        }
        FitInstruction local =
                new FitInstruction(
                        client.id(),
                        instruction.round(),
                        instruction.rank(),
                        instruction.options());
        TrainConfig config =
                VirtualClientRunner.trainConfig(
                        local,
                        instruction.learningRate(),
                        batchSize,
                        instruction.localSteps(),
                        instruction.seed());
        return runner.fit(client, local, config, model(instruction.adapterVersion(), global));
    }

    /**
     * Evaluates {@code global} on the held-out data at {@code min(maxRank, global rank)}: mean loss
     * and {@code accuracy}.
     */
    public EvaluateResult evaluate(Message.EvaluateInstruction instruction, Adapter global) {
        Objects.requireNonNull(global, "global");
        EvaluateInstruction local =
                new EvaluateInstruction(client.id(), instruction.round(), instruction.options());
        return runner.evaluate(client, local, model(instruction.adapterVersion(), global));
    }

    private static GlobalModel model(long version, Adapter adapter) {
        return new GlobalModel(Math.max(0, version), adapter, Optional.empty());
    }
}
