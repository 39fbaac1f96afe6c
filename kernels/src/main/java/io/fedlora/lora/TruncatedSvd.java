package io.fedlora.lora;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Qr;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A rank-{@code k} truncated SVD {@code M ≈ U·diag(S)·Vᵀ}: {@code u} is {@code out × k} with
 * orthonormal columns, {@code singularValues} has length {@code k} in decreasing order, {@code vt}
 * is {@code k × in} with orthonormal rows. By Eckart–Young it is the best rank-k approximation in
 * Frobenius norm, and the error is {@code sqrt(Σ_{j>k} σ_j²)}.
 *
 * <p>Two ways in: {@link #of(INDArray, int)} for a dense matrix, and {@link #ofSum(List, double[],
 * int)} for a sum of low-rank products {@code Σ cᵢ·Bᵢ·Aᵢ} without forming it (FlexLoRA's
 * re-factorisation): with {@code Bcat = [c₁B₁ … cₙBₙ]} ({@code out × R}) and {@code Acat = [A₁; …;
 * Aₙ]} ({@code R × in}), thin QRs {@code Bcat = Q_b·R_b} and {@code Acatᵀ = Q_a·R_a} leave the SVD
 * of the small core {@code R_b·R_aᵀ}, rotated back by {@code Q_b} and {@code Q_a}. Cost is {@code
 * O((out + in)·R²)}.
 *
 * <p>The QR is ND4J's {@code Qr} custom op and the SVD LAPACK's {@code gesvd} through {@code
 * Nd4j.getBlasWrapper().lapack()}, both working for FLOAT and DOUBLE in 1.0.0-M2.1 (the {@code Svd}
 * custom op is not used: it fails to compute its output shapes there). Results keep the input data
 * type. Each singular vector's sign is arbitrary; products are unique when singular values are
 * distinct.
 *
 * <p>When {@code k} exceeds the rank the matrix can have ({@code min(out, in)}, or {@code R} for a
 * sum), the missing components are zero, so a rank-k adapter can always be built.
 */
public record TruncatedSvd(INDArray u, INDArray singularValues, INDArray vt) {

    public TruncatedSvd {
        if (u.columns() != singularValues.length() || vt.rows() != singularValues.length()) {
            throw new IllegalArgumentException(
                    "inconsistent SVD: U is "
                            + Tensors.shapeText(u)
                            + ", S has "
                            + singularValues.length()
                            + " values, Vᵀ is "
                            + Tensors.shapeText(vt));
        }
    }

    /** Number of components k. */
    public int rank() {
        return (int) singularValues.length();
    }

    /** {@code U·diag(S)·Vᵀ}, {@code out × in}. */
    public INDArray product() {
        return u.mulRowVector(singularValues).mmul(vt);
    }

    /**
     * The factors as a LoRA pair for an adapter of scale {@code s = alpha/k}, in FlexLoRA's
     * convention: {@code B = U·diag(S)/s}, {@code A = Vᵀ}, so that {@code s·B·A = U·diag(S)·Vᵀ}.
     */
    public LoraPair toPair(double scale) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
        return new LoraPair(vt.dup(), u.mulRowVector(singularValues).divi(scale));
    }

    /** The best rank-{@code k} approximation of the dense matrix {@code m}. */
    public static TruncatedSvd of(INDArray m, int k) {
        requireMatrix(m, "matrix");
        requirePositive(k);
        return thinSvd(m).truncateOrPad(k);
    }

    /**
     * The best rank-{@code k} approximation of {@code Σ cᵢ·pᵢ.b·pᵢ.a}, never forming the {@code out
     * × in} sum. The pairs may have different ranks but must agree in {@code out}, {@code in} and
     * data type.
     */
    public static TruncatedSvd ofSum(List<LoraPair> pairs, double[] c, int k) {
        requirePositive(k);
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("truncated SVD of an empty sum");
        }
        if (pairs.size() != c.length) {
            throw new IllegalArgumentException(
                    c.length + " coefficients for " + pairs.size() + " products");
        }
        LoraPair first = pairs.get(0);
        List<INDArray> scaledBs = new ArrayList<>();
        List<INDArray> as = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            LoraPair p = pairs.get(i);
            if (p.outFeatures() != first.outFeatures()
                    || p.inFeatures() != first.inFeatures()
                    || p.a().dataType() != first.a().dataType()) {
                throw new IllegalArgumentException(
                        "product #"
                                + i
                                + " is "
                                + p.outFeatures()
                                + "×"
                                + p.inFeatures()
                                + " "
                                + p.a().dataType()
                                + " but product #0 is "
                                + first.outFeatures()
                                + "×"
                                + first.inFeatures()
                                + " "
                                + first.a().dataType());
            }
            scaledBs.add(p.b().mul(c[i]));
            as.add(p.a());
        }
        INDArray bcat = Nd4j.hstack(scaledBs.toArray(INDArray[]::new)); // out × R
        INDArray acatT = Nd4j.vstack(as.toArray(INDArray[]::new)).transpose(); // in × R

        // Only a tall factor gains from QR; a short one is its own "R" with Q = identity.
        INDArray[] qrB = bcat.rows() > bcat.columns() ? thinQr(bcat) : null;
        INDArray[] qrA = acatT.rows() > acatT.columns() ? thinQr(acatT) : null;
        INDArray rb = qrB == null ? bcat : qrB[1];
        INDArray ra = qrA == null ? acatT : qrA[1];

        TruncatedSvd core = thinSvd(rb.mmul(ra.transpose())).truncateOrPad(k);
        INDArray u = qrB == null ? core.u : qrB[0].mmul(core.u);
        INDArray vt = qrA == null ? core.vt : core.vt.mmul(qrA[0].transpose());
        return new TruncatedSvd(u, core.singularValues, vt);
    }

    /** Full thin SVD: k = min(out, in) components. */
    private static TruncatedSvd thinSvd(INDArray m) {
        if (m.rows() < m.columns()) {
            // M = (Mᵀ)ᵀ = (U'·S·V'ᵀ)ᵀ = V'·S·U'ᵀ
            TruncatedSvd t = thinSvd(m.transpose());
            return new TruncatedSvd(
                    t.vt.transpose().dup(), t.singularValues, t.u.transpose().dup());
        }
        // Tall or square: M = Q·R, then the square R goes to LAPACK, which never sees out × out.
        INDArray[] qr = m.rows() > m.columns() ? thinQr(m) : null;
        INDArray square = qr == null ? m : qr[1];
        int n = (int) square.columns();
        INDArray work = square.dup('f'); // gesvd overwrites its input
        INDArray s = Nd4j.create(square.dataType(), n);
        INDArray uSquare = Nd4j.create(square.dataType(), new long[] {n, n}, 'f');
        INDArray vt = Nd4j.create(square.dataType(), new long[] {n, n}, 'f');
        Nd4j.getBlasWrapper().lapack().gesvd(work, s, uSquare, vt);
        INDArray u = qr == null ? uSquare : qr[0].mmul(uSquare);
        return new TruncatedSvd(u.dup('c'), s.dup('c'), vt.dup('c'));
    }

    /** {Q, R} with Q {@code m × n} orthonormal columns and R {@code n × n}, for {@code m ≥ n}. */
    private static INDArray[] thinQr(INDArray m) {
        return Nd4j.exec(new Qr(m.dup('c'), false));
    }

    private TruncatedSvd truncateOrPad(int k) {
        int have = rank();
        if (k == have) {
            return this;
        }
        if (k < have) {
            return new TruncatedSvd(
                    u.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k)).dup(),
                    singularValues.get(NDArrayIndex.interval(0, k)).dup(),
                    vt.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup());
        }
        INDArray paddedU = Nd4j.zeros(u.dataType(), u.rows(), k);
        paddedU.put(new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(0, have)}, u);
        INDArray paddedS = Nd4j.zeros(singularValues.dataType(), k);
        paddedS.put(new INDArrayIndex[] {NDArrayIndex.interval(0, have)}, singularValues);
        INDArray paddedVt = Nd4j.zeros(vt.dataType(), k, vt.columns());
        paddedVt.put(new INDArrayIndex[] {NDArrayIndex.interval(0, have), NDArrayIndex.all()}, vt);
        return new TruncatedSvd(paddedU, paddedS, paddedVt);
    }

    private static void requireMatrix(INDArray m, String what) {
        if (m.rank() != 2) {
            throw new IllegalArgumentException(
                    what + " must be 2-D, got shape " + Tensors.shapeText(m));
        }
    }

    private static void requirePositive(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("target rank must be positive, got " + k);
        }
    }
}
