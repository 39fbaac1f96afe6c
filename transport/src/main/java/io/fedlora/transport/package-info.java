/** The wire: message types, Kryo registrations and the Aeron data plane (issue 4). */
package io.fedlora.transport;
