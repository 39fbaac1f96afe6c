package io.fedlora.train;

import io.fedlora.data.Batch;
import io.fedlora.lora.Adapter;
import io.fedlora.nn.EvalStats;
import io.fedlora.nn.Parameter;
import io.fedlora.nn.TrainableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A tiny model with an analytic gradient for trainer tests: logits {@code x·W + b}, softmax
 * cross-entropy. Records every active rank it is given.
 */
final class SoftmaxRegression implements TrainableModel {

    final Parameter weight;
    final Parameter bias;
    final Parameter frozen;
    final List<Integer> activeRanks = new ArrayList<>();

    SoftmaxRegression(int features, int classes, long seed) {
        Random r = new Random(seed);
        double[] w = new double[features * classes];
        for (int i = 0; i < w.length; i++) {
            w[i] = 0.1 * r.nextGaussian();
        }
        weight = new Parameter("w", Nd4j.create(w, new long[] {features, classes}), true);
        bias = new Parameter("b", Nd4j.zeros(DataType.DOUBLE, 1, classes), true);
        frozen = new Parameter("frozen", Nd4j.ones(DataType.DOUBLE, 2, 2), false);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias, frozen);
    }

    private INDArray probabilities(INDArray x) {
        INDArray logits =
                x.castTo(DataType.DOUBLE).mmul(weight.value()).addiRowVector(bias.value());
        return Transforms.softmax(logits, false);
    }

    @Override
    public double forwardBackward(Batch batch, Random rng) {
        INDArray x = batch.inputs().castTo(DataType.DOUBLE);
        INDArray p = probabilities(x);
        int n = batch.size();
        double loss = 0;
        INDArray delta = p.dup();
        for (int i = 0; i < n; i++) {
            int y = batch.targets()[i];
            loss -= Math.log(p.getDouble(i, y));
            delta.putScalar(i, y, delta.getDouble(i, y) - 1);
        }
        delta.divi(n);
        weight.grad().addi(x.transpose().mmul(delta));
        bias.grad().addi(delta.sum(true, 0));
        return loss / n;
    }

    @Override
    public EvalStats evaluate(Batch batch) {
        INDArray p = probabilities(batch.inputs());
        double loss = 0;
        long correct = 0;
        for (int i = 0; i < batch.size(); i++) {
            int y = batch.targets()[i];
            loss -= Math.log(p.getDouble(i, y));
            if (p.getRow(i).argMax().getInt(0) == y) {
                correct++;
            }
        }
        return new EvalStats(loss, correct, batch.size());
    }

    @Override
    public void setActiveRank(int b) {
        activeRanks.add(b);
    }

    @Override
    public Adapter exportAdapter() {
        throw new UnsupportedOperationException("softmax regression carries no adapter");
    }

    @Override
    public void loadAdapter(Adapter adapter) {
        throw new UnsupportedOperationException("softmax regression carries no adapter");
    }
}
