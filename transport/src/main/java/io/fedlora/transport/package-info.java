/**
 * The wire (issue 4). {@code message}: the protocol's immutable message records. {@code wire}: the
 * one Kryo registration list, the message codec (raw tensor blocks via {@code
 * io.fedlora.codec.TensorCodec}) and the Pekko serializer bound in {@code reference.conf}. {@code
 * aeron}: the data plane — embedded or external media driver, chunked transfers with CRC32C and a
 * whole-message digest, reassembly with limits and drop counters, and MDC broadcast of global
 * adapters.
 */
package io.fedlora.transport;
