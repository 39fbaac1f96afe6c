package io.fedlora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fedlora.data.FeatureDomain;
import io.fedlora.peft.ModelCheckpoint;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.peft.PeftWriteOptions;
import io.fedlora.simulation.report.LineChart;
import io.fedlora.train.CentralisedFineTune;
import io.fedlora.train.TrainReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fedlora finetune}: the centralised feature-domain run on embedded defaults (pre-train on
 * plain Fashion-MNIST, LoRA-fine-tune on a shifted domain), writing the base, the PEFT adapter, the
 * metrics and a plot into the run directory. It was the demo before the cluster existed; {@code
 * ./fedlora demo} now runs the federated version (the launcher script's cluster).
 */
@Command(
        name = "finetune",
        mixinStandardHelpOptions = true,
        description =
                "Pre-train a small ViT on Fashion-MNIST, LoRA-fine-tune it on a shifted domain,"
                        + " and write the base, the PEFT adapter, metrics and a plot.")
final class FinetuneCommand implements Callable<Integer> {

    @Option(
            names = "--run-dir",
            defaultValue = "runs/finetune",
            description = "Where the results go (default: ${DEFAULT-VALUE}).")
    Path runDir;

    @Option(
            names = "--data",
            description = "Fashion-MNIST IDX directory (default: the Debian package's).")
    Path dataDir;

    @Option(
            names = "--domain",
            description = "Shifted domain: ${COMPLETION-CANDIDATES} (default: INVERTED).")
    FeatureDomain domain;

    @Option(names = "--pretrain-steps", description = "Pre-training steps (default: 1200).")
    Integer pretrainSteps;

    @Option(names = "--finetune-steps", description = "Fine-tuning steps (default: 600).")
    Integer finetuneSteps;

    @Override
    public Integer call() throws IOException {
        CentralisedFineTune.Settings d = CentralisedFineTune.Settings.defaults();
        CentralisedFineTune.Settings s =
                d.withDataDir(dataDir != null ? dataDir : d.dataDir())
                        .withShifted(domain != null ? domain : d.shifted())
                        .withSteps(
                                pretrainSteps != null ? pretrainSteps : d.pretrainSteps(),
                                finetuneSteps != null ? finetuneSteps : d.finetuneSteps());
        System.out.printf(
                Locale.ROOT,
                "fedlora finetune: pre-train a ViT on Fashion-MNIST (%d images), then LoRA rank %d on"
                        + " the %s domain%n",
                s.trainExamples(),
                s.lora().rank(),
                s.shifted().name().toLowerCase(Locale.ROOT));
        CentralisedFineTune.Result r =
                CentralisedFineTune.run(
                        s,
                        (phase, step, total, loss) ->
                                System.out.printf(
                                        Locale.ROOT,
                                        "  %-8s step %4d/%d  loss %.4f%n",
                                        phase,
                                        step,
                                        total,
                                        loss));

        Files.createDirectories(runDir);
        ModelCheckpoint.write(
                runDir.resolve("base").resolve("model.safetensors"),
                r.base(),
                Map.of("model", "VitClassifier"));
        PeftAdapterFiles.write(runDir.resolve("adapter"), r.adapter(), PeftWriteOptions.defaults());
        writeMetrics(s, r);
        plot(r);

        System.out.printf(
                Locale.ROOT,
                "%naccuracy on the %s test images: frozen base %.2f%%, LoRA fine-tuned %.2f%%"
                        + " (base on plain images %.2f%%)%n",
                s.shifted().name().toLowerCase(Locale.ROOT),
                100 * r.baseShiftedAccuracy(),
                100 * r.fineTunedShiftedAccuracy(),
                100 * r.baseIdentityAccuracy());
        System.out.println("wrote " + runDir.toAbsolutePath().normalize() + "/");
        for (String f :
                new String[] {
                    "base/model.safetensors",
                    "adapter/adapter_model.safetensors",
                    "adapter/adapter_config.json",
                    "metrics.csv",
                    "metrics.json",
                    "loss.svg"
                }) {
            System.out.println("  " + f);
        }
        return 0;
    }

    private void writeMetrics(CentralisedFineTune.Settings s, CentralisedFineTune.Result r)
            throws IOException {
        try (PrintWriter csv =
                new PrintWriter(Files.newBufferedWriter(runDir.resolve("metrics.csv")))) {
            csv.println("phase,step,loss");
            writeLosses(csv, "pretrain", r.pretrain());
            writeLosses(csv, "finetune", r.finetune());
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("shifted_domain", s.shifted().name().toLowerCase(Locale.ROOT));
        json.put("lora_rank", s.lora().rank());
        json.put("lora_alpha", s.lora().alpha());
        json.put("target_modules", s.lora().targetModules());
        json.put("base_accuracy_identity", r.baseIdentityAccuracy());
        json.put("base_accuracy_shifted", r.baseShiftedAccuracy());
        json.put("finetuned_accuracy_shifted", r.fineTunedShiftedAccuracy());
        json.put("pretrain_steps", r.pretrain().steps());
        json.put("pretrain_seconds", r.pretrain().wallSeconds());
        json.put("finetune_steps", r.finetune().steps());
        json.put("finetune_seconds", r.finetune().wallSeconds());
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(runDir.resolve("metrics.json").toFile(), json);
    }

    private static void writeLosses(PrintWriter csv, String phase, TrainReport report) {
        double[] losses = report.losses();
        for (int i = 0; i < losses.length; i++) {
            csv.printf(Locale.ROOT, "%s,%d,%.6f%n", phase, i + 1, losses[i]);
        }
    }

    private void plot(CentralisedFineTune.Result r) throws IOException {
        new LineChart("fedlora finetune: training loss (moving mean of 20 steps)", "step", "loss")
                .add("pre-train, plain", steps(r.pretrain()), movingMean(r.pretrain().losses()))
                .add("LoRA, shifted", steps(r.finetune()), movingMean(r.finetune().losses()))
                .write(runDir.resolve("loss.svg"));
    }

    private static double[] steps(TrainReport report) {
        double[] x = new double[report.steps()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    private static double[] movingMean(double[] v) {
        double[] out = new double[v.length];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            sum += v[i];
            if (i >= 20) {
                sum -= v[i - 20];
            }
            out[i] = sum / Math.min(i + 1, 20);
        }
        return out;
    }
}
