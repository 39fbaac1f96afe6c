package io.fedlora.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * Splits one dataset into per-client datasets for federated simulations. Every method is a function
 * of its arguments and the seed. The {@code …Indices} methods return, per client, the example
 * indices into the input; the others wrap them as {@link Dataset#subset} views.
 */
public final class Partitioners {

    private Partitioners() {}

    /** IID: a seeded shuffle cut into {@code clients} parts whose sizes differ by at most 1. */
    public static List<Dataset> iid(Dataset data, int clients, long seed) {
        return views(data, iidIndices(data, clients, seed));
    }

    public static int[][] iidIndices(Dataset data, int clients, long seed) {
        requireClients(data, clients);
        int[] order = shuffled(data.size(), new Random(seed));
        int[][] parts = new int[clients][];
        for (int k = 0; k < clients; k++) {
            int from = (int) ((long) k * order.length / clients);
            int to = (int) ((long) (k + 1) * order.length / clients);
            parts[k] = Arrays.copyOfRange(order, from, to);
        }
        return parts;
    }

    /**
     * Label skew after Hsu et al. (2019): for each class, proportions over clients are drawn from
     * Dir(α) and that class's examples are dealt accordingly. Large α gives near-uniform label
     * histograms, small α gives clients dominated by few classes. A client left empty receives one
     * example from the largest client, so every client has data.
     */
    public static List<Dataset> dirichlet(Dataset data, int clients, double alpha, long seed) {
        return views(data, dirichletIndices(data, clients, alpha, seed));
    }

    public static int[][] dirichletIndices(Dataset data, int clients, double alpha, long seed) {
        requireClients(data, clients);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException(
                    "Dirichlet alpha must be positive and finite but is " + alpha + ".");
        }
        Random random = new Random(seed);
        List<List<Integer>> parts = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            parts.add(new ArrayList<>());
        }
        for (int[] members : byLabel(data).values()) {
            shuffle(members, random);
            double[] p = Dirichlet.sample(clients, alpha, random);
            double cumulative = 0;
            int from = 0;
            for (int k = 0; k < clients; k++) {
                cumulative += p[k];
                int to =
                        k == clients - 1
                                ? members.length
                                : (int) Math.round(cumulative * members.length);
                to = Math.max(from, Math.min(members.length, to));
                for (int j = from; j < to; j++) {
                    parts.get(k).add(members[j]);
                }
                from = to;
            }
        }
        for (List<Integer> part : parts) {
            if (part.isEmpty()) {
                List<Integer> largest = parts.get(0);
                for (List<Integer> candidate : parts) {
                    if (candidate.size() > largest.size()) {
                        largest = candidate;
                    }
                }
                part.add(largest.remove(random.nextInt(largest.size())));
            }
        }
        int[][] result = new int[clients][];
        for (int k = 0; k < clients; k++) {
            result[k] = parts.get(k).stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    /**
     * Pathological label skew after McMahan et al. (2017): examples sorted by label (ties in seeded
     * random order) are cut into {@code clients·shardsPerClient} contiguous shards of near-equal
     * size, and each client is dealt {@code shardsPerClient} random shards.
     */
    public static List<Dataset> shards(Dataset data, int clients, int shardsPerClient, long seed) {
        return views(data, shardIndices(data, clients, shardsPerClient, seed));
    }

    public static int[][] shardIndices(Dataset data, int clients, int shardsPerClient, long seed) {
        if (shardsPerClient <= 0) {
            throw new IllegalArgumentException(
                    "shardsPerClient must be positive but is " + shardsPerClient + ".");
        }
        requireClients(data, clients * shardsPerClient);
        Random random = new Random(seed);
        int[] sorted = new int[data.size()];
        int next = 0;
        for (int[] members : byLabel(data).values()) {
            shuffle(members, random);
            System.arraycopy(members, 0, sorted, next, members.length);
            next += members.length;
        }
        int shardCount = clients * shardsPerClient;
        int[] shardOrder = shuffled(shardCount, random);
        int[][] parts = new int[clients][];
        for (int k = 0; k < clients; k++) {
            int[] part = new int[0];
            for (int s = 0; s < shardsPerClient; s++) {
                int shard = shardOrder[k * shardsPerClient + s];
                int from = (int) ((long) shard * sorted.length / shardCount);
                int to = (int) ((long) (shard + 1) * sorted.length / shardCount);
                int old = part.length;
                part = Arrays.copyOf(part, old + to - from);
                System.arraycopy(sorted, from, part, old, to - from);
            }
            parts[k] = part;
        }
        return parts;
    }

    /**
     * Natural partition: one client per distinct {@link Dataset#label} value, in ascending label
     * order (for fortunes, one client per topic). Examples keep their order within a client.
     */
    public static List<Dataset> natural(Dataset data) {
        return views(data, naturalIndices(data));
    }

    public static int[][] naturalIndices(Dataset data) {
        return byLabel(data).values().toArray(new int[0][]);
    }

    /**
     * Feature skew: client {@code k} gets the {@code k}-th IID share of the images transformed by
     * {@code domains.get(k)}, so there are as many clients as domains. The shares are copies, since
     * their pixels change; the noise of client {@code k} is seeded with {@code seed + k}.
     */
    public static List<Dataset> featureDomains(
            ArrayDataset images, List<FeatureDomain> domains, long seed) {
        int[][] parts = iidIndices(images, domains.size(), seed);
        List<Dataset> clients = new ArrayList<>(parts.length);
        for (int k = 0; k < parts.length; k++) {
            clients.add(domains.get(k).apply(images.select(parts[k]), seed + k));
        }
        return clients;
    }

    private static List<Dataset> views(Dataset data, int[][] parts) {
        List<Dataset> clients = new ArrayList<>(parts.length);
        for (int[] part : parts) {
            clients.add(data.subset(part));
        }
        return clients;
    }

    /** Example indices grouped by label, labels ascending, indices ascending within a label. */
    private static TreeMap<Integer, int[]> byLabel(Dataset data) {
        TreeMap<Integer, int[]> groups = new TreeMap<>();
        TreeMap<Integer, Integer> fill = new TreeMap<>();
        for (int i = 0; i < data.size(); i++) {
            fill.merge(data.label(i), 1, Integer::sum);
        }
        fill.forEach((label, count) -> groups.put(label, new int[count]));
        fill.replaceAll((label, count) -> 0);
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            int at = fill.get(label);
            groups.get(label)[at] = i;
            fill.put(label, at + 1);
        }
        return groups;
    }

    private static void requireClients(Dataset data, int parts) {
        if (parts <= 0) {
            throw new IllegalArgumentException(
                    "The number of clients must be positive but is " + parts + ".");
        }
        if (parts > data.size()) {
            throw new IllegalArgumentException(
                    "Cannot split "
                            + data.size()
                            + " examples into "
                            + parts
                            + " non-empty parts.");
        }
    }

    private static int[] shuffled(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        shuffle(order, random);
        return order;
    }

    /** Fisher–Yates. */
    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }
}
