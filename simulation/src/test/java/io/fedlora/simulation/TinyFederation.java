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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A federation small enough for unit tests: a one-block ViT of width 16 over a randomly initialised
 * base, three clients (identity, inverted, rotated) with a few dozen real Fashion-MNIST images
 * each, LoRA rank 2 on q and v with the head saved.
 */
final class TinyFederation {

    static final VitConfig MODEL = new VitConfig(28, 7, 16, 2, 1, 2, 10);
    static final LoraConfig LORA = new LoraConfig(2, 4, 0.0, List.of("q", "v"), List.of("head"));
    static final List<FeatureDomain> DOMAINS =
            List.of(FeatureDomain.IDENTITY, FeatureDomain.INVERTED, FeatureDomain.ROTATED);

    private TinyFederation() {}

    /** Clients with unequal data (30, 40, 50 images) so that example weights matter. */
    static List<VirtualClient> clients() {
        ArrayDataset train =
                FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, FashionMnist.Split.TRAIN, 120);
        ArrayDataset test =
                FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, FashionMnist.Split.TEST, 60);
        List<Dataset> tests = Partitioners.featureDomains(test, DOMAINS, 3);
        int[] sizes = {30, 40, 50};
        List<VirtualClient> clients = new ArrayList<>();
        int from = 0;
        for (int k = 0; k < DOMAINS.size(); k++) {
            int[] idx = new int[sizes[k]];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = from + i;
            }
            from += sizes[k];
            Dataset data = DOMAINS.get(k).apply(train.select(idx), k);
            String id = "c" + k;
            clients.add(
                    new VirtualClient(
                            new ClientInfo(id, LORA.rank(), data.size()), data, tests.get(k)));
        }
        return clients;
    }

    static Map<String, INDArray> base() {
        return VitClassifier.seeded(MODEL, 11).baseState();
    }

    static ModelFactory models() {
        return weights -> VitClassifier.overBase(MODEL, weights);
    }

    static LoopSettings settings(int rounds, long seed) {
        return new LoopSettings(rounds, 1, 2, 8, 1e-2, 64, Double.POSITIVE_INFINITY, seed, 1);
    }
}
