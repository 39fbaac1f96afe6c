package io.fedlora.simulation;

import io.fedlora.aggregation.ClientInfo;
import io.fedlora.data.ArrayDataset;
import io.fedlora.data.Dataset;
import io.fedlora.data.FashionMnist;
import io.fedlora.data.FeatureDomain;
import io.fedlora.data.Partitioners;
import io.fedlora.model.LoraConfig;
import io.fedlora.model.VitClassifier;
import io.fedlora.model.VitConfig;
import io.fedlora.train.CentralisedFineTune;
import io.fedlora.train.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Feature non-IID clients on Fashion-MNIST, a small stand-in for LoRA-FAIR's DomainNet setting:
 * client {@code k} sees domain {@code k mod 6} of {@link FeatureDomain} (identity, inverted,
 * rotated, blurred, noisy, edges), with the same ten labels everywhere. The base ViT is pre-trained
 * on the identity domain ({@link CentralisedFineTune#pretrain}) and frozen, so the shifted clients
 * start far below it and LoRA must learn their domains.
 *
 * <p>Pre-training uses the first {@code pretrainExamples} training images; clients get disjoint
 * parts of the images after them (so the identity client does not train on the base's own data),
 * and held-out parts of the test split in their own domain. The base is cached in {@code cacheDir}.
 */
public final class FeatureDomainScenario implements Scenario {

    /**
     * @param dataDir Fashion-MNIST IDX files
     * @param cacheDir where pre-trained bases are cached
     * @param clients number of clients, domains dealt round-robin
     * @param trainPerClient training images per client
     * @param testPerClient held-out test images per client
     */
    public record Settings(
            Path dataDir,
            Path cacheDir,
            int clients,
            int trainPerClient,
            int testPerClient,
            VitConfig model,
            int pretrainExamples,
            int pretrainSteps,
            double pretrainLearningRate,
            int pretrainBatchSize,
            long pretrainSeed,
            LoraConfig lora) {

        public Settings {
            if (clients < 1) {
                throw new IllegalArgumentException("clients must be >= 1, got " + clients);
            }
            if (trainPerClient < 1 || testPerClient < 1) {
                throw new IllegalArgumentException(
                        "each client needs training and test images, got "
                                + trainPerClient
                                + " and "
                                + testPerClient);
            }
            if ((long) pretrainExamples + (long) clients * trainPerClient > 60_000) {
                throw new IllegalArgumentException(
                        pretrainExamples
                                + " pre-training images + "
                                + clients
                                + " clients × "
                                + trainPerClient
                                + " exceed Fashion-MNIST's 60000 training images");
            }
            if ((long) clients * testPerClient > 10_000) {
                throw new IllegalArgumentException(
                        clients
                                + " clients × "
                                + testPerClient
                                + " test images exceed Fashion-MNIST's 10000");
            }
        }

        /**
         * Six clients; the base and adapter of the centralised demo ({@link
         * CentralisedFineTune.Settings#defaults()}: ViT, 1200 pre-training steps on 20 000 images,
         * LoRA rank 8, alpha 16 on q, k, v, o, fc1, fc2 with the head saved), so both share one
         * cached base; 640 training and 300 test images per client.
         */
        public static Settings defaults() {
            CentralisedFineTune.Settings d = CentralisedFineTune.Settings.defaults();
            return new Settings(
                    d.dataDir(),
                    Path.of("runs", "cache"),
                    6,
                    640,
                    300,
                    d.model(),
                    d.trainExamples(),
                    d.pretrainSteps(),
                    d.pretrainLearningRate(),
                    d.batchSize(),
                    d.seed(),
                    d.lora());
        }

        public Settings withData(Path data) {
            return new Settings(
                    data,
                    cacheDir,
                    clients,
                    trainPerClient,
                    testPerClient,
                    model,
                    pretrainExamples,
                    pretrainSteps,
                    pretrainLearningRate,
                    pretrainBatchSize,
                    pretrainSeed,
                    lora);
        }

        public Settings withCache(Path cache) {
            return new Settings(
                    dataDir,
                    cache,
                    clients,
                    trainPerClient,
                    testPerClient,
                    model,
                    pretrainExamples,
                    pretrainSteps,
                    pretrainLearningRate,
                    pretrainBatchSize,
                    pretrainSeed,
                    lora);
        }

        public Settings withClients(int n, int train, int test) {
            return new Settings(
                    dataDir,
                    cacheDir,
                    n,
                    train,
                    test,
                    model,
                    pretrainExamples,
                    pretrainSteps,
                    pretrainLearningRate,
                    pretrainBatchSize,
                    pretrainSeed,
                    lora);
        }

        public Settings withPretraining(VitConfig m, int examples, int steps) {
            return new Settings(
                    dataDir,
                    cacheDir,
                    clients,
                    trainPerClient,
                    testPerClient,
                    m,
                    examples,
                    steps,
                    pretrainLearningRate,
                    pretrainBatchSize,
                    pretrainSeed,
                    lora);
        }

        /** Everything the pre-trained base depends on, as one line (the cache key). */
        String baseRecipe() {
            return String.format(
                    Locale.ROOT,
                    "VitClassifier %s; Fashion-MNIST %s, first %d training images, identity domain;"
                            + " AdamW lr %s, batch %d, %d steps, seed %d",
                    model,
                    dataDir.toAbsolutePath().normalize(),
                    pretrainExamples,
                    Double.toString(pretrainLearningRate),
                    pretrainBatchSize,
                    pretrainSteps,
                    pretrainSeed);
        }
    }

    private final Settings settings;
    private final ArrayDataset trainPool;
    private final ArrayDataset testPool;
    private final Map<String, INDArray> base;
    private final List<FeatureDomain> domains;

    private FeatureDomainScenario(
            Settings settings,
            ArrayDataset trainPool,
            ArrayDataset testPool,
            Map<String, INDArray> base) {
        this.settings = settings;
        this.trainPool = trainPool;
        this.testPool = testPool;
        this.base = base;
        FeatureDomain[] all = FeatureDomain.values();
        this.domains =
                IntStream.range(0, settings.clients()).mapToObj(k -> all[k % all.length]).toList();
    }

    /**
     * Loads the images and the base: from the cache when it holds this recipe, otherwise
     * pre-trained now (minutes) and cached.
     *
     * @param log told what happens to the base (cache hit, pre-training progress)
     */
    public static FeatureDomainScenario prepare(Settings s, Consumer<String> log) {
        int clientImages = s.clients() * s.trainPerClient();
        ArrayDataset train =
                FashionMnist.load(
                        s.dataDir(), FashionMnist.Split.TRAIN, s.pretrainExamples() + clientImages);
        ArrayDataset test =
                FashionMnist.load(
                        s.dataDir(), FashionMnist.Split.TEST, s.clients() * s.testPerClient());
        if (train.size() < s.pretrainExamples() + clientImages
                || test.size() < s.clients() * s.testPerClient()) {
            throw new IllegalArgumentException(
                    "the Fashion-MNIST files in " + s.dataDir() + " hold too few images");
        }
        Map<String, INDArray> base =
                BaseCache.loadOrBuild(
                        s.cacheDir(),
                        s.baseRecipe(),
                        () -> pretrain(s, train.select(range(0, s.pretrainExamples())), log),
                        log);
        ArrayDataset pool =
                train.select(range(s.pretrainExamples(), s.pretrainExamples() + clientImages));
        return new FeatureDomainScenario(s, pool, test, base);
    }

    private static Map<String, INDArray> pretrain(
            Settings s, ArrayDataset images, Consumer<String> log) {
        log.accept(
                String.format(
                        Locale.ROOT,
                        "pre-training the base on %d identity images (%d steps, once; cached in"
                                + " %s)",
                        images.size(),
                        s.pretrainSteps(),
                        s.cacheDir()));
        ProgressListener progress =
                (step, total, loss) ->
                        log.accept(
                                String.format(
                                        Locale.ROOT,
                                        "  pre-train step %d/%d  loss %.4f",
                                        step,
                                        total,
                                        loss));
        return CentralisedFineTune.pretrain(
                        images,
                        s.model(),
                        s.pretrainSteps(),
                        s.pretrainLearningRate(),
                        s.pretrainBatchSize(),
                        s.pretrainSeed(),
                        progress)
                .model()
                .baseState();
    }

    public Settings settings() {
        return settings;
    }

    /** The domain of each client, in client order. */
    public List<FeatureDomain> domains() {
        return domains;
    }

    @Override
    public String description() {
        return String.format(
                Locale.ROOT,
                "Fashion-MNIST feature domains: %d clients (%s), %d training and %d test images"
                        + " each; ViT base pre-trained on the identity domain; LoRA rank %d, alpha"
                        + " %s on %s, saved %s",
                settings.clients(),
                String.join(
                        ", ",
                        domains.stream()
                                .map(d -> d.name().toLowerCase(Locale.ROOT))
                                .distinct()
                                .toList()),
                settings.trainPerClient(),
                settings.testPerClient(),
                settings.lora().rank(),
                Double.toString(settings.lora().alpha()),
                settings.lora().targetModules(),
                settings.lora().modulesToSave());
    }

    /**
     * Client {@code k} gets the {@code k}-th part of a seeded IID split of the training pool and of
     * the test pool, both transformed into its domain.
     */
    @Override
    public List<VirtualClient> clients(long seed) {
        List<Dataset> train = Partitioners.featureDomains(trainPool, domains, seed);
        List<Dataset> test = Partitioners.featureDomains(testPool, domains, seed + 1_000_003L);
        int width = Integer.toString(settings.clients() - 1).length();
        List<VirtualClient> clients = new ArrayList<>();
        for (int k = 0; k < domains.size(); k++) {
            String domain = domains.get(k).name().toLowerCase(Locale.ROOT);
            String id = String.format(Locale.ROOT, "c%0" + width + "d-%s", k, domain);
            ClientInfo info =
                    new ClientInfo(
                            id,
                            settings.lora().rank(),
                            train.get(k).size(),
                            Map.of("domain", domain));
            clients.add(new VirtualClient(info, train.get(k), test.get(k)));
        }
        return clients;
    }

    @Override
    public ModelFactory models() {
        VitConfig model = settings.model();
        return weights -> VitClassifier.overBase(model, weights);
    }

    @Override
    public Map<String, INDArray> baseWeights() {
        return base;
    }

    @Override
    public LoraConfig lora() {
        return settings.lora();
    }

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }
}
