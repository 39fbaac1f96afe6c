package io.fedlora.coordinator.run;

import io.fedlora.simulation.Evaluation;
import io.fedlora.simulation.RoundRecord;
import io.fedlora.simulation.report.LineChart;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@code accuracy.svg}: the run's federated evaluations, per evaluated round, as two charts one
 * above the other — mean client accuracy (percent) on top, mean client loss below — since the two
 * have unrelated scales.
 */
final class RunChart {

    static final String NAME = "accuracy.svg";

    private RunChart() {}

    static String svg(List<RoundRecord> records) {
        List<RoundRecord> evaluated =
                records.stream().filter(r -> r.evaluation().isPresent()).toList();
        LineChart accuracy =
                chart(
                        "Federated evaluation: mean client accuracy",
                        "accuracy %",
                        "mean accuracy",
                        evaluated,
                        e -> 100 * e.meanAccuracy());
        LineChart loss =
                chart(
                        "Federated evaluation: mean client loss",
                        "loss",
                        "mean loss",
                        evaluated,
                        Evaluation::meanLoss);
        return String.format(
                        Locale.ROOT,
                        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n",
                        LineChart.WIDTH,
                        2 * LineChart.HEIGHT)
                + "<g>\n"
                + accuracy.toSvg()
                + "</g>\n"
                + String.format(
                        Locale.ROOT, "<g transform=\"translate(0 %d)\">\n", LineChart.HEIGHT)
                + loss.toSvg()
                + "</g>\n</svg>\n";
    }

    private static LineChart chart(
            String title,
            String yLabel,
            String series,
            List<RoundRecord> evaluated,
            ToDoubleFunction<Evaluation> value) {
        double[] x = new double[evaluated.size()];
        double[] y = new double[evaluated.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = evaluated.get(i).round();
            y[i] = value.applyAsDouble(evaluated.get(i).evaluation().orElseThrow());
        }
        return new LineChart(title, "round", yLabel).add(series, x, y);
    }
}
