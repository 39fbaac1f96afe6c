package io.fedlora.aggregation.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NoiseSourceTest {

    private static long[] draw(Random random) {
        return new long[] {random.nextLong(), random.nextLong(), random.nextLong()};
    }

    @Test
    void seededStreamsDependOnSeedAndRoundOnly() {
        long[] a = draw(NoiseSource.seeded(7).forRound(3));
        assertEquals(Arrays.toString(a), Arrays.toString(draw(NoiseSource.seeded(7).forRound(3))));
        assertNotEquals(
                Arrays.toString(a), Arrays.toString(draw(NoiseSource.seeded(7).forRound(4))));
        assertNotEquals(
                Arrays.toString(a), Arrays.toString(draw(NoiseSource.seeded(8).forRound(3))));
    }

    @Test
    void systemEntropyNeverRepeatsARound() {
        NoiseSource source = NoiseSource.systemEntropy();
        assertNotEquals(
                Arrays.toString(draw(source.forRound(1))),
                Arrays.toString(draw(source.forRound(1))));
    }
}
