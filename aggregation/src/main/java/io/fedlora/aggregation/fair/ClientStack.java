package io.fedlora.aggregation.fair;

import io.fedlora.aggregation.ModuleClients;
import io.fedlora.lora.LoraPair;
import java.nio.ByteBuffer;
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
 * {@code ideal = Σᵢ cᵢ·Bᵢ·Aᵢ = Σₚ cᵖ·bᵖ·aᵖ}. Components are grouped in tiles of about {@link
 * #TILE_COMPONENTS} (a client is never split), each tile holding its clients' {@code B} side by
 * side ({@code out × T}) and their {@code A} stacked ({@code T × in}).
 *
 * <p>Clients may have different ranks. Each client's pair is read once from its handle. Memory:
 * {@code (Σ rᵢ)·(out + in)} elements of the stack's data type.
 */
final class ClientStack implements AutoCloseable {

    /**
     * Components per tile: large enough for BLAS to run near its peak on {@code T × out} by {@code
     * out × T} products (measured: 512 and 800 run at the full-size rate, 200 at half of it), small
     * enough that skipping the tiles below the diagonal of the symmetric Gram saves most of the
     * lower half.
     */
    static final int TILE_COMPONENTS = 512;

    /**
     * {@code b}: {@code out × T}, the tile's clients' B side by side; {@code a}: {@code T × in},
     * their A stacked, each row already multiplied by its client's coefficient {@code cᵖ} — which
     * folds the coefficients into both products below at the cost of one pass over {@code a}.
     */
    private record Tile(INDArray b, INDArray a) {}

    private final List<Tile> tiles;
    private final int components;

    private ClientStack(List<Tile> tiles, int components) {
        this.tiles = tiles;
        this.components = components;
    }

    /**
     * Reads every client's pair of {@code clients.module()} into tiles of {@code type} (DOUBLE, or
     * FLOAT for every other type).
     *
     * @throws IllegalArgumentException when a client's pair is not {@code out × in}
     */
    static ClientStack load(ModuleClients clients, DataType type, long out, long in) {
        return load(clients, type, out, in, TILE_COMPONENTS);
    }

    /** As {@link #load(ModuleClients, DataType, long, long)} with tiles of {@code tile} rows. */
    static ClientStack load(
            ModuleClients clients, DataType type, long out, long in, int tileComponents) {
        TileBuilder builder =
                new TileBuilder(
                        type == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT, out, in);
        List<Tile> tiles = new ArrayList<>();
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
            builder.add(p, clients.coefficient(i));
            total += p.rank();
            if (builder.rows() >= tileComponents) {
                tiles.add(builder.build());
            }
        }
        if (builder.rows() > 0) {
            tiles.add(builder.build());
        }
        return new ClientStack(tiles, total);
    }

    /**
     * Collects a tile's clients and copies their factors into the tile's buffers: each {@code Aᵢ}
     * as one block of rows, each {@code Bᵢ} as {@code out} runs of {@code rᵢ} elements (its rows
     * land side by side in the tile's rows). Plain buffer copies: ND4J's concatenation or
     * assignment of strided views is an order of magnitude slower here.
     */
    private static final class TileBuilder {
        private final DataType type;
        private final int out;
        private final int in;
        private final List<LoraPair> pending = new ArrayList<>();
        private final List<Double> coefficients = new ArrayList<>();

        TileBuilder(DataType type, long out, long in) {
            this.type = type;
            this.out = Math.toIntExact(out);
            this.in = Math.toIntExact(in);
        }

        int rows() {
            return coefficients.size();
        }

        void add(LoraPair p, double c) {
            pending.add(new LoraPair(plain(p.a()), plain(p.b())));
            for (int k = 0; k < p.rank(); k++) {
                coefficients.add(c);
            }
        }

        Tile build() {
            int rows = rows();
            int w = type.width();
            INDArray b = Nd4j.createUninitialized(type, new long[] {out, rows}, 'c');
            INDArray a = Nd4j.createUninitialized(type, new long[] {rows, in}, 'c');
            ByteBuffer bDst = b.data().asNio();
            ByteBuffer aDst = a.data().asNio();
            int col = 0;
            for (LoraPair p : pending) {
                int r = p.rank();
                ByteBuffer bSrc = p.b().data().asNio();
                for (int i = 0; i < out; i++) {
                    bDst.put((i * rows + col) * w, bSrc, i * r * w, r * w);
                }
                aDst.put(col * in * w, p.a().data().asNio(), 0, r * in * w);
                col += r;
            }
            double[] c = coefficients.stream().mapToDouble(Double::doubleValue).toArray();
            pending.clear();
            coefficients.clear();
            INDArray column = Nd4j.create(c, new long[] {rows, 1}, DataType.DOUBLE).castTo(type);
            a.muliColumnVector(column);
            column.close();
            return new Tile(b, a);
        }

        /** {@code x} in this builder's type, C order, owning exactly its elements. */
        private INDArray plain(INDArray x) {
            INDArray y = x.dataType() == type ? x : x.castTo(type);
            boolean plain =
                    !y.isView()
                            && y.ordering() == 'c'
                            && y.offset() == 0
                            && y.data().length() == y.length();
            return plain ? y : y.dup('c');
        }
    }

    /** Σ rᵢ: the number of stacked rank components. */
    int components() {
        return components;
    }

    /**
     * {@code G = ideal·Āᵀ = Σᵢ Bᵢ·(cᵢAᵢ·Āᵀ)}, {@code out × r}: per tile one {@code T × in × r} and
     * one {@code out × T × r} product, accumulated in place.
     */
    INDArray projectOnto(INDArray aBar) {
        INDArray aBarTyped = aBar.castTo(tiles.get(0).a().dataType());
        INDArray g = null;
        for (Tile t : tiles) {
            INDArray p = Nd4j.gemm(t.a(), aBarTyped, false, true); // T × r
            if (g == null) {
                g = Nd4j.gemm(t.b(), p, false, false);
            } else {
                Nd4j.gemm(t.b(), p, g, false, false, 1.0, 1.0);
            }
            p.close();
        }
        return g;
    }

    /**
     * {@code ‖ideal‖²_F = Σₚ Σ_q ⟨bᵖ, b^q⟩·⟨cᵖaᵖ, c^q a^q⟩}: the element-wise product of the two
     * component Gram matrices {@code BᵀB} and {@code (CA)(CA)ᵀ}, summed. Exact, in {@code
     * O((Σrᵢ)²·(out + in))}: the dominant cost of the cosine mode. Tiles on and above the diagonal
     * only (the Grams are symmetric); each tile pair is two BLAS-3 products; the sums run in
     * double.
     */
    double idealNormSquared() {
        double total = 0;
        for (int i = 0; i < tiles.size(); i++) {
            Tile ti = tiles.get(i);
            for (int j = i; j < tiles.size(); j++) {
                Tile tj = tiles.get(j);
                INDArray gramB = Nd4j.gemm(ti.b(), tj.b(), true, false);
                INDArray gramA = Nd4j.gemm(ti.a(), tj.a(), false, true);
                INDArray product = gramB.muli(gramA).castTo(DataType.DOUBLE);
                double s = product.sumNumber().doubleValue();
                total += i == j ? s : 2 * s;
                gramB.close();
                gramA.close();
                if (product != gramB) {
                    product.close();
                }
            }
        }
        return total;
    }

    /** Frees the stacked arrays now rather than at the next garbage collection. */
    @Override
    public void close() {
        for (Tile t : tiles) {
            t.b().close();
            t.a().close();
        }
    }
}
