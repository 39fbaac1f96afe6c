/** The protocol's message types: immutable records under one sealed interface. */
package io.fedlora.transport.message;
