package io.fedlora.transport.control;

import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/** Receptionist keys of the control plane. */
public final class ControlKeys {

    /** The coordinator's inbox; workers find it by subscribing to this key. */
    public static final ServiceKey<ToCoordinator> COORDINATOR =
            ServiceKey.create(ToCoordinator.class, "fedlora-coordinator");

    private ControlKeys() {}
}
