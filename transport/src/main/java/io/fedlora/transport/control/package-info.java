/**
 * The control plane between coordinator and workers: protocol {@link
 * io.fedlora.transport.message.Message}s carried as Pekko messages together with the sender's inbox
 * for replies ({@link ToCoordinator}, {@link ToWorker}), and their serializer.
 */
package io.fedlora.transport.control;
