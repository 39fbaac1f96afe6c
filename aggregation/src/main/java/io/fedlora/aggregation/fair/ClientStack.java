package io.fedlora.aggregation.fair;

import io.fedlora.aggregation.ModuleClients;
import io.fedlora.lora.LoraPair;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One module's client factors stacked component-wise, so that LoRA-FAIR's two sums over clients run
 * as a few large matrix products (BLAS-3) instead of many {@code r × r} ones. Component {@code p}
 * (row {@code p} of the stack) is one rank component of one client: {@code bᵖ} a column of its
 * {@code B}, {@code aᵖ} a row of its {@code A}, with the client's coefficient {@code cᵖ}, so that
 * {@code ideal = Σᵢ cᵢ·Bᵢ·Aᵢ = Σₚ cᵖ·bᵖ·aᵖ}. Rows are grouped in tiles of about {@link
 * #TILE_COMPONENTS} (a client is never split), each tile holding {@code Bᵀ} rows ({@code T × out})
 * and {@code A} rows ({@code T × in}).
 *
 * <p>Clients may have different ranks. Each client's pair is read once from its handle. Memory:
 * {@code (Σ rᵢ)·(out + in)} elements of the stack's data type.
 */
final class ClientStack implements AutoCloseable {

    /**
     * Components per tile: large enough for BLAS to run near its peak on {@code T × out} by {@code
     * out × T} products, small enough that skipping the tiles below the diagonal of the symmetric
     * Gram saves most of the lower half.
     */
    static final int TILE_COMPONENTS = 512;

    private record Tile(INDArray bt, INDArray a, INDArray c) {}

    private final List<Tile> tiles;
    private final int components;

    private ClientStack(List<Tile> tiles, int components) {
        this.tiles = tiles;
        this.components = components;
    }

    /**
     * Reads every client's pair of {@code clients.module()}.
     *
     * @throws IllegalArgumentException when a client's pair is not {@code out × in}
     */
    static ClientStack load(ModuleClients clients, DataType type, long out, long in) {
        return load(clients, type, out, in, TILE_COMPONENTS);
    }

    /** As {@link #load(ModuleClients, DataType, long, long)} with tiles of {@code tile} rows. */
    static ClientStack load(
            ModuleClients clients, DataType type, long out, long in, int tileComponents) {
        List<Tile> tiles = new ArrayList<>();
        List<INDArray> bts = new ArrayList<>();
        List<INDArray> as = new ArrayList<>();
        List<Double> coefficients = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < clients.size(); i++) {
            LoraPair p = clients.pair(i);
            if (p.outFeatures() != out || p.inFeatures() != in) {
                throw new IllegalArgumentException(
                        "module "
                                + clients.module()
                                + ": client #"
                                + i
                                + "'s pair is "
                                + p.outFeatures()
                                + "×"
                                + p.inFeatures()
                                + " but the averaged pair is "
                                + out
                                + "×"
                                + in);
            }
            bts.add(p.b().transpose().castTo(type));
            as.add(p.a().castTo(type));
            for (int k = 0; k < p.rank(); k++) {
                coefficients.add(clients.coefficient(i));
            }
            total += p.rank();
            if (coefficients.size() >= tileComponents) {
                tiles.add(tile(bts, as, coefficients, type));
            }
        }
        if (!coefficients.isEmpty()) {
            tiles.add(tile(bts, as, coefficients, type));
        }
        return new ClientStack(tiles, total);
    }

    private static Tile tile(
            List<INDArray> bts, List<INDArray> as, List<Double> coefficients, DataType type) {
        double[] c = coefficients.stream().mapToDouble(Double::doubleValue).toArray();
        Tile t =
                new Tile(
                        Nd4j.vstack(bts.toArray(INDArray[]::new)),
                        Nd4j.vstack(as.toArray(INDArray[]::new)),
                        Nd4j.create(c, new long[] {c.length, 1}, DataType.DOUBLE).castTo(type));
        bts.clear();
        as.clear();
        coefficients.clear();
        return t;
    }

    /** Σ rᵢ: the number of stacked rank components. */
    int components() {
        return components;
    }

    /**
     * {@code G = ideal·Āᵀ = Σᵢ cᵢ·Bᵢ·(Aᵢ·Āᵀ)}, {@code out × r}: per tile one {@code T × in × r} and
     * one {@code out × T × r} product.
     */
    INDArray projectOnto(INDArray aBar) {
        INDArray aBarT = aBar.castTo(tiles.get(0).a().dataType()).transpose();
        INDArray g = null;
        for (Tile t : tiles) {
            INDArray p = t.a().mmul(aBarT).muliColumnVector(t.c()); // T × r
            INDArray part = t.bt().transpose().mmul(p); // out × r
            g = g == null ? part : g.addi(part);
        }
        return g;
    }

    /**
     * {@code ‖ideal‖²_F = Σₚ Σ_q cᵖ·c^q·⟨bᵖ, b^q⟩·⟨aᵖ, a^q⟩}: the element-wise product of the two
     * component Gram matrices {@code BᵀB} and {@code AAᵀ}, weighted by the coefficients. Exact, in
     * {@code O((Σrᵢ)²·(out + in))}: the dominant cost of the cosine mode. Tiles on and above the
     * diagonal only (the Grams are symmetric); each tile pair is two BLAS-3 products; the weighted
     * sums run in double.
     */
    double idealNormSquared() {
        double total = 0;
        for (int i = 0; i < tiles.size(); i++) {
            Tile ti = tiles.get(i);
            INDArray ci = ti.c().castTo(DataType.DOUBLE);
            for (int j = i; j < tiles.size(); j++) {
                Tile tj = tiles.get(j);
                INDArray gramB = Nd4j.gemm(ti.bt(), tj.bt(), false, true);
                INDArray gramA = Nd4j.gemm(ti.a(), tj.a(), false, true);
                INDArray weighted = gramB.muli(gramA).castTo(DataType.DOUBLE);
                double s =
                        weighted.mmul(tj.c().castTo(DataType.DOUBLE))
                                .muli(ci)
                                .sumNumber()
                                .doubleValue();
                total += i == j ? s : 2 * s;
                gramB.close();
                gramA.close();
            }
        }
        return total;
    }

    /** Frees the stacked arrays now rather than at the next garbage collection. */
    @Override
    public void close() {
        for (Tile t : tiles) {
            t.bt().close();
            t.a().close();
        }
    }
}
