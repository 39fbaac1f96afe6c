/** Kryo registrations, the message codec and the Pekko serializer binding. */
package io.fedlora.transport.wire;
