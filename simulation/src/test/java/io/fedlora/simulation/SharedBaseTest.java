package io.fedlora.simulation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedlora.aggregation.BaseUpdate;
import io.fedlora.lora.LoraPair;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SharedBaseTest {

    @Test
    void shouldRefuseAnUpdateThatDoesNotFitAndChangeNothing() {
        INDArray w = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        SharedBase base = new SharedBase(Map.of("fc.weight", w, "out.weight", Nd4j.ones(2, 2)));
        LoraPair fits = new LoraPair(Nd4j.ones(1, 3), Nd4j.ones(2, 1));
        LoraPair wrong = new LoraPair(Nd4j.ones(1, 2), Nd4j.ones(3, 1));

        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> base.merge(new BaseUpdate(Map.of("fc", fits, "out", wrong), 1)));
        assertTrue(e.getMessage().contains("base update of out is [3, 2]"), e.getMessage());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.ravel().toFloatVector());

        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> base.merge(new BaseUpdate(Map.of("nope", fits), 1)));
        assertTrue(e.getMessage().contains("module nope"), e.getMessage());

        base.merge(new BaseUpdate(Map.of("fc", fits), 2));
        assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, w.ravel().toFloatVector());
    }
}
