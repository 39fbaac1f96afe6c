package io.fedlora.aggregation.robust;

import io.fedlora.aggregation.AdapterTensors;
import io.fedlora.aggregation.UpdateHandle;
import io.fedlora.lora.Adapter;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Walks every tensor of an adapter layout with the matching tensor of every client, one module at a
 * time: rules that need all clients at once (median, trimmed mean, Krum's distances) then hold one
 * module of each client, never whole adapters. Updates are read through {@link
 * UpdateHandle#module(String)} and {@link UpdateHandle#saved(String)}, so spilled updates are read
 * module by module too.
 */
final class ClientTensors {

    /** What to do with one tensor key: the template's tensor and the clients' ones, in order. */
    @FunctionalInterface
    interface Visitor {
        void visit(String key, INDArray template, List<INDArray> clients);
    }

    /** A new tensor for one key from the template's tensor and the clients' ones. */
    @FunctionalInterface
    interface Reducer {
        INDArray reduce(String key, INDArray template, List<INDArray> clients);
    }

    private ClientTensors() {}

    /**
     * Calls {@code visitor} for each tensor of {@code template} in {@link AdapterTensors} order.
     *
     * @throws IllegalArgumentException when a client's tensor has another shape (naming it)
     */
    static void forEach(Adapter template, List<UpdateHandle> clients, Visitor visitor) {
        for (Map.Entry<String, LoraPair> e : template.modules().entrySet()) {
            List<LoraPair> pairs = new ArrayList<>(clients.size());
            for (UpdateHandle client : clients) {
                pairs.add(client.module(e.getKey()));
            }
            visit(
                    visitor,
                    AdapterTensors.aKey(e.getKey()),
                    e.getValue().a(),
                    pairs.stream().map(LoraPair::a).toList());
            visit(
                    visitor,
                    AdapterTensors.bKey(e.getKey()),
                    e.getValue().b(),
                    pairs.stream().map(LoraPair::b).toList());
        }
        for (Map.Entry<String, INDArray> e : template.modulesToSave().entrySet()) {
            List<INDArray> tensors = new ArrayList<>(clients.size());
            for (UpdateHandle client : clients) {
                tensors.add(client.saved(e.getKey()));
            }
            visit(visitor, AdapterTensors.savedKey(e.getKey()), e.getValue(), tensors);
        }
    }

    /** An adapter of {@code template}'s layout whose every tensor is {@code reducer}'s. */
    static Adapter reduce(Adapter template, List<UpdateHandle> clients, Reducer reducer) {
        Map<String, INDArray> reduced = new LinkedHashMap<>();
        forEach(
                template,
                clients,
                (key, t, tensors) -> reduced.put(key, reducer.reduce(key, t, tensors)));
        return AdapterTensors.map(template, (key, t) -> reduced.get(key));
    }

    private static void visit(
            Visitor visitor, String key, INDArray template, List<INDArray> clients) {
        for (int i = 0; i < clients.size(); i++) {
            if (!Arrays.equals(clients.get(i).shape(), template.shape())) {
                throw new IllegalArgumentException(
                        "client #"
                                + i
                                + ": "
                                + key
                                + " is "
                                + Arrays.toString(clients.get(i).shape())
                                + ", expected "
                                + Arrays.toString(template.shape()));
            }
        }
        visitor.visit(key, template, clients);
    }
}
