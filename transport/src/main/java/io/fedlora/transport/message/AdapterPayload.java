package io.fedlora.transport.message;

import io.fedlora.codec.TensorCodec;
import io.fedlora.lora.Adapter;
import java.util.Objects;

/**
 * An adapter together with the tensor codec it travels in. The codec is chosen per transfer by the
 * sender; on the receiving side it records how the tensors were carried (a decoded BF16 or INT8
 * payload holds the rounded values, as fp32 arrays).
 */
public record AdapterPayload(Adapter adapter, TensorCodec codec) {
    public AdapterPayload {
        Objects.requireNonNull(adapter, "adapter");
        Objects.requireNonNull(codec, "codec");
    }
}
