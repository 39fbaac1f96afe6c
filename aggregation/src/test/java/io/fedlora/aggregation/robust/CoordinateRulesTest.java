package io.fedlora.aggregation.robust;

import static io.fedlora.aggregation.SeededAdapters.flat;
import static io.fedlora.aggregation.SeededAdapters.perturbed;
import static io.fedlora.aggregation.SeededAdapters.result;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.ClientSampler;
import io.fedlora.aggregation.FitOutcome;
import io.fedlora.aggregation.FitResult;
import io.fedlora.aggregation.GlobalModel;
import io.fedlora.aggregation.SeededAdapters;
import io.fedlora.lora.Adapter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class CoordinateRulesTest {

    private static List<Adapter> clients(DataType type, int n) {
        Adapter base = SeededAdapters.random(7, type, 3);
        List<Adapter> adapters = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            adapters.add(perturbed(base, 50 + i, 0.5));
        }
        return adapters;
    }

    private static List<FitResult> results(List<Adapter> adapters) {
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < adapters.size(); i++) {
            // Example counts differ: the coordinate rules must ignore them.
            results.add(result("c" + i, 1, 10L * (i + 1) * (i + 1), adapters.get(i)));
        }
        return results;
    }

    /** Column j of the clients' flat values, sorted. */
    private static double[] sortedColumn(List<double[]> flats, int j) {
        double[] column = new double[flats.size()];
        for (int i = 0; i < column.length; i++) {
            column[i] = flats.get(i)[j];
        }
        Arrays.sort(column);
        return column;
    }

    private static double[] aggregate(CoordinateWiseStrategy rule, List<Adapter> adapters) {
        GlobalModel global = GlobalModel.initial(adapters.get(0));
        return flat(rule.aggregateFit(1, global, results(adapters), List.of()).adapter());
    }

    @Test
    void medianOfAnOddCountIsTheMiddleValueOfEachCoordinate() {
        List<Adapter> adapters = clients(DataType.FLOAT, 5);
        List<double[]> flats = adapters.stream().map(SeededAdapters::flat).toList();
        double[] actual = aggregate(new CoordinateMedian(ClientSampler.ALL), adapters);
        for (int j = 0; j < actual.length; j++) {
            assertEquals(sortedColumn(flats, j)[2], actual[j], 0.0, "coordinate " + j);
        }
    }

    @Test
    void medianOfAnEvenCountAveragesTheTwoMiddleValues() {
        List<Adapter> adapters = clients(DataType.DOUBLE, 4);
        List<double[]> flats = adapters.stream().map(SeededAdapters::flat).toList();
        double[] actual = aggregate(new CoordinateMedian(ClientSampler.ALL), adapters);
        for (int j = 0; j < actual.length; j++) {
            double[] c = sortedColumn(flats, j);
            assertEquals((c[1] + c[2]) / 2, actual[j], 1e-15, "coordinate " + j);
        }
    }

    @Test
    void trimmedMeanDropsFloorBetaNFromEachSide() {
        // n = 8, beta = 0.25: two dropped each side, the middle four averaged.
        List<Adapter> adapters = clients(DataType.DOUBLE, 8);
        List<double[]> flats = adapters.stream().map(SeededAdapters::flat).toList();
        TrimmedMean rule = new TrimmedMean(ClientSampler.ALL, 0.25);
        FitOutcome outcome =
                rule.aggregateFit(
                        1, GlobalModel.initial(adapters.get(0)), results(adapters), List.of());
        double[] actual = flat(outcome.adapter());
        for (int j = 0; j < actual.length; j++) {
            double[] c = sortedColumn(flats, j);
            assertEquals((c[2] + c[3] + c[4] + c[5]) / 4, actual[j], 1e-14, "coordinate " + j);
        }
        assertEquals(2.0, outcome.metrics().get("trimmed-per-side"));
    }

    @Test
    void trimmedMeanOfFloatsIsTheDoubleMeanRounded() {
        // n = 5, beta = 0.2: one dropped each side.
        List<Adapter> adapters = clients(DataType.FLOAT, 5);
        List<double[]> flats = adapters.stream().map(SeededAdapters::flat).toList();
        double[] actual = aggregate(new TrimmedMean(ClientSampler.ALL, 0.2), adapters);
        for (int j = 0; j < actual.length; j++) {
            double[] c = sortedColumn(flats, j);
            assertEquals((float) ((c[1] + c[2] + c[3]) / 3), (float) actual[j], "coord " + j);
        }
    }

    @Test
    void trimmedMeanWithBetaZeroIsThePlainMean() {
        List<Adapter> adapters = clients(DataType.DOUBLE, 3);
        List<double[]> flats = adapters.stream().map(SeededAdapters::flat).toList();
        double[] actual = aggregate(new TrimmedMean(ClientSampler.ALL, 0), adapters);
        for (int j = 0; j < actual.length; j++) {
            double mean = (flats.get(0)[j] + flats.get(1)[j] + flats.get(2)[j]) / 3;
            assertEquals(mean, actual[j], 1e-14);
        }
    }

    @Test
    void identicalClientsGiveThemBack() {
        Adapter same = SeededAdapters.random(3, DataType.FLOAT, 4);
        List<Adapter> adapters = List.of(same, same, same, same, same);
        double[] expected = flat(same);
        assertArrayEquals(expected, aggregate(new CoordinateMedian(ClientSampler.ALL), adapters));
        assertArrayEquals(expected, aggregate(new TrimmedMean(ClientSampler.ALL, 0.2), adapters));
    }

    @Test
    void medianIgnoresAMinorityOfWildClients() {
        List<Adapter> honest = clients(DataType.DOUBLE, 5);
        List<Adapter> all = new ArrayList<>(honest);
        all.add(perturbed(honest.get(0), 901, 1e6));
        all.add(perturbed(honest.get(0), 902, 1e6));
        double[] actual = aggregate(new CoordinateMedian(ClientSampler.ALL), all);
        List<double[]> flats = honest.stream().map(SeededAdapters::flat).toList();
        for (int j = 0; j < actual.length; j++) {
            double[] c = sortedColumn(flats, j);
            assertTrue(actual[j] >= c[0] && actual[j] <= c[4], "coordinate " + j);
        }
    }

    @Test
    void readsOneModuleOfEachClientAtATimeAndNeverWholeAdapters() {
        List<Adapter> adapters = clients(DataType.FLOAT, 3);
        List<CountingHandle> handles = adapters.stream().map(CountingHandle::new).toList();
        List<FitResult> results = new ArrayList<>();
        for (int i = 0; i < handles.size(); i++) {
            results.add(new FitResult("c" + i, 1, 5, Map.of(), handles.get(i)));
        }
        new CoordinateMedian(ClientSampler.ALL)
                .aggregateFit(1, GlobalModel.initial(adapters.get(0)), results, List.of());
        for (CountingHandle h : handles) {
            assertEquals(0, h.loads);
            assertEquals(adapters.get(0).modules().size(), h.modules);
            assertEquals(adapters.get(0).modulesToSave().size(), h.saved);
        }
    }

    @Test
    void betaOutsideZeroToHalfIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TrimmedMean(ClientSampler.ALL, 0.5));
        assertThrows(
                IllegalArgumentException.class, () -> new TrimmedMean(ClientSampler.ALL, -0.1));
    }

    @Test
    void noResultsIsAnError() {
        Adapter a = SeededAdapters.random(3, DataType.FLOAT, 2);
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new CoordinateMedian(ClientSampler.ALL)
                                .aggregateFit(1, GlobalModel.initial(a), List.of(), List.of()));
    }
}
