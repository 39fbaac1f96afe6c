package io.fedlora.coordinator;

import io.fedlora.coordinator.admin.AdminPort;
import io.fedlora.coordinator.admin.ControlReply;
import io.fedlora.coordinator.admin.RunStatus;
import io.fedlora.coordinator.admin.WorkerStatus;
import io.fedlora.peft.PeftAdapterFiles;
import io.fedlora.simulation.RoundRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/** The admin API's view of the coordinator: every question is an ask to its actor. */
final class ActorAdminPort implements AdminPort {

    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

    private final ActorSystem<?> system;
    private final ActorRef<Coordinator.Command> coordinator;
    private final Path adapterDir;

    ActorAdminPort(
            ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, Path adapterDir) {
        this.system = system;
        this.coordinator = coordinator;
        this.adapterDir = adapterDir;
    }

    @Override
    public CompletionStage<RunStatus> status() {
        return AskPattern.ask(
                coordinator, Coordinator.GetStatus::new, ASK_TIMEOUT, system.scheduler());
    }

    @Override
    public CompletionStage<List<WorkerStatus>> workers() {
        return AskPattern.ask(
                coordinator, Coordinator.GetWorkers::new, ASK_TIMEOUT, system.scheduler());
    }

    @Override
    public CompletionStage<List<RoundRecord>> rounds() {
        return AskPattern.ask(
                coordinator, Coordinator.GetRounds::new, ASK_TIMEOUT, system.scheduler());
    }

    @Override
    public CompletionStage<ControlReply> pause() {
        return control(Coordinator.ControlKind.PAUSE);
    }

    @Override
    public CompletionStage<ControlReply> resume() {
        return control(Coordinator.ControlKind.RESUME);
    }

    @Override
    public CompletionStage<ControlReply> stopAfterRound() {
        return control(Coordinator.ControlKind.STOP);
    }

    private CompletionStage<ControlReply> control(Coordinator.ControlKind kind) {
        return AskPattern.ask(
                coordinator,
                (ActorRef<ControlReply> replyTo) -> new Coordinator.Control(kind, replyTo),
                ASK_TIMEOUT,
                system.scheduler());
    }

    @Override
    public Optional<Path> currentAdapter() {
        return Files.isRegularFile(adapterDir.resolve(PeftAdapterFiles.WEIGHTS_FILE))
                ? Optional.of(adapterDir)
                : Optional.empty();
    }
}
