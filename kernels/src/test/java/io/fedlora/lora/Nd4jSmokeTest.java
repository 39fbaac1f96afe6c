package io.fedlora.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Nd4jSmokeTest {
    @Test
    void shouldMultiply() {
        INDArray a = Nd4j.rand(256, 256);
        long t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) a.mmul(a);
        System.out.println(
                "backend "
                        + Nd4j.getBackend().getClass()
                        + " "
                        + (System.nanoTime() - t0) / 1e6
                        + " ms");
        INDArray m = Nd4j.rand(1024, 1024);
        m.mmul(m);
        t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) m.mmul(m);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.println("GFLOP/s " + 5 * 2.0 * Math.pow(1024, 3) / s / 1e9);
        assertEquals(2, new LoraPair(Nd4j.zeros(2, 5), Nd4j.zeros(3, 2)).rank());
    }
}
