"""The `ambient` command: parses arguments and calls the module that owns each subcommand."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from ambient.config import LoadedSettings, describe, load_settings
from ambient.errors import AmbientError

log = logging.getLogger("ambient")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 2, like every other bad input."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"ambient: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def _settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML configuration file")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override one setting (repeatable); wins over the file and AMBIENT_* variables",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ambient", description="A runtime for camera-and-speaker smart devices.")
    parser.add_argument("--verbose", "-v", action="store_true", help="show debug logging")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run the device (simulated from recorded media if no devices)")
    _settings_arguments(run)
    run.add_argument("--simulate", action="store_true", help="use recorded media even if devices exist")
    run.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    run.add_argument(
        "--demo", action="store_true",
        help="when simulated, play a programme of commands and enrol faces from video/enroll (`make run`)",
    )  # fmt: skip
    run.add_argument("--event-log", type=Path, metavar="FILE", help="append every event as JSON lines")
    run.add_argument("--quiet", action="store_true", help="do not print live events")

    config = commands.add_parser("config", help="show the effective configuration")
    config_commands = config.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    show = config_commands.add_parser("show", help="every setting with where its value came from")
    _settings_arguments(show)

    models = commands.add_parser("models", help="fetch or check the model files")
    model_commands = models.add_subparsers(dest="models_command", required=True, parser_class=_Parser)
    fetch = model_commands.add_parser("fetch", help="download, verify and cache model files")
    fetch.add_argument("names", nargs="*", help="models to fetch (default: all in the manifest)")
    fetch.add_argument("--force", action="store_true", help="fetch again even if cached and valid")
    model_commands.add_parser("check", help="verify every cached model file against its sha256")

    events = commands.add_parser("events", help="pretty-print or follow an event log")
    events.add_argument("file", type=Path)
    events.add_argument("--follow", "-f", action="store_true", help="keep printing new events")
    events.add_argument("--json", action="store_true", help="print the raw JSON lines")
    events.add_argument("--type", action="append", default=[], help="only events of this type")

    _wakeword_arguments(commands)
    _faces_arguments(commands)
    _context_arguments(commands)

    say = commands.add_parser("say", help="write what the device would say to a WAV file")
    say.add_argument("text")
    say.add_argument("--out", type=Path, required=True, help="the WAV file to write (16 kHz mono)")
    say.add_argument("--voice", choices=("piper", "espeak"), default="piper")

    transcribe = commands.add_parser("transcribe", help="print what the device would hear in audio files")
    transcribe.add_argument("files", nargs="+", type=Path, metavar="FILE")
    transcribe.add_argument("--recognizer", choices=("hybrid", "commands", "whisper"), default="hybrid")
    transcribe.add_argument("--json", action="store_true", help="one JSON object per file")
    _settings_arguments(transcribe)

    audit = commands.add_parser("audit", help="show the audit ledger: every payload sent to the cloud")
    audit.add_argument("--limit", type=int, default=None, help="only the newest N entries")
    audit.add_argument("--json", action="store_true")
    _settings_arguments(audit)

    doctor = commands.add_parser("doctor", help="list devices, models, configuration and problems")
    _settings_arguments(doctor)
    return parser


def _wakeword_arguments(commands: argparse._SubParsersAction[_Parser]) -> None:
    wakeword = commands.add_parser("wakeword", help="train and evaluate wake-word heads")
    actions = wakeword.add_subparsers(dest="wakeword_command", required=True, parser_class=_Parser)
    train = actions.add_parser("train", help="train a head for PHRASE into models/")
    train.add_argument("phrase")
    train.add_argument("--seed", type=int, default=1234)
    train.add_argument("--data", type=Path, help="the shared media folder (default: runtime.data_dir)")
    train.add_argument("--output", type=Path, help="where the head and card go (default: models/)")
    train.add_argument("--piper", type=int, default=120, help="synthetic positives from the Piper voice")
    train.add_argument("--espeak", type=int, default=150, help="synthetic positives from espeak-ng voices")
    train.add_argument("--copies", type=int, default=3, help="augmented renditions of every positive")
    train.add_argument("--epochs", type=int, default=25)
    train.add_argument("--real-limit", type=int, help="use at most this many real positive clips")
    train.add_argument("--negative-limit", type=int, help="clips per other phrase used as negatives")
    train.add_argument("--background-seconds", type=float, help="use at most this much background")
    train.add_argument("--speech-limit", type=int, help="clips per real-speech folder used as negatives")
    train.add_argument("--confusables", type=int, default=6, help="renditions of each confusable phrase")
    train.add_argument("--household", type=int, default=3, help="renditions of each household sentence")
    train.add_argument("--no-eval", action="store_true", help="skip the evaluation on the test split")

    evaluate = actions.add_parser("eval", help="FRR at 0.5 and 0.1 FA/h, FA/h, and a DET curve")
    evaluate.add_argument("--model", required=True, help="a head name (computer), a .onnx, or micro:alexa")
    evaluate.add_argument("--positives", type=Path, required=True, help="folder of wake-word recordings")
    evaluate.add_argument("--background", type=Path, required=True, help="folder of background audio")
    evaluate.add_argument("--snr-db", type=float, default=10.0, help="noise mixed into each positive")
    # The trigger policy defaults to the configured one ([wakeword]): the device you run is measured.
    evaluate.add_argument("--threshold", type=float, help="default: the word's configured threshold")
    evaluate.add_argument("--patience", type=int, help="k: scores above threshold needed ... (configured)")
    evaluate.add_argument("--window", type=int, help="... among the last n chunks (configured)")
    evaluate.add_argument("--refractory-s", type=float, help="default: wakeword.refractory_s")
    evaluate.add_argument(
        "--background-start", type=float, default=0.0,
        help="use each background file from this fraction on (0.6: the part training left out)",
    )  # fmt: skip
    evaluate.add_argument("--plot", type=Path, help="DET curve PNG (default: <model>-det.png)")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    _settings_arguments(evaluate)

    adapt = actions.add_parser("adapt", help='retune heads on the false wakes marked "that wasn\'t for you"')
    adapt.add_argument(
        "--model", action="append", default=[], help="a head name (default: every configured one)"
    )
    adapt.add_argument("--reset", action="store_true", help="go back to the shipped head (marks are kept)")
    _settings_arguments(adapt)

    anchors = actions.add_parser(
        "anchors", help="make a shipped head's adaptation anchors from its recordings"
    )
    anchors.add_argument("phrase", help="the head's name, e.g. computer")
    anchors.add_argument("--data", type=Path, help="the shared media folder (default: runtime.data_dir)")
    anchors.add_argument("--seed", type=int, default=1234)


def _faces_arguments(commands: argparse._SubParsersAction[_Parser]) -> None:
    faces = commands.add_parser("faces", help="enrol, list, forget and export faces; calibrate")
    actions = faces.add_subparsers(dest="faces_command", required=True, parser_class=_Parser)
    enroll = actions.add_parser("enroll", help="enrol NAME from photos, or from the camera")
    _settings_arguments(enroll)
    enroll.add_argument("name")
    enroll.add_argument("photos", nargs="*", type=Path)
    enroll.add_argument("--camera", action="store_true", help="take the photos with the configured camera")
    enroll.add_argument("--frames", type=int, default=5, help="distinct usable camera frames needed")
    enroll.add_argument("--seconds", type=float, default=8.0, help="how long the camera collects frames")
    enroll.add_argument(
        "--from-file", action="store_true", help="enrol from a camera that is a file (camera.backend = file)"
    )
    for name, text in (
        ("list", "who is enrolled"),
        ("rotate-key", "re-encrypt under a new key"),
        ("pending", 'newcomers who said "remember me as ..." and wait for approval'),
    ):
        _settings_arguments(actions.add_parser(name, help=text))
    for name, text in (
        ("approve", "enrol a waiting newcomer"),
        ("reject", "erase a waiting newcomer's face"),
    ):
        command = actions.add_parser(name, help=text)
        _settings_arguments(command)
        command.add_argument("name")
    for name, text in (("forget", "erase a person and every trace"), ("export", "a person's data as JSON")):
        command = actions.add_parser(name, help=text)
        _settings_arguments(command)
        command.add_argument("name")
        if name == "export":
            command.add_argument("--out", type=Path, help="write to this file (mode 0600)")
        else:
            command.add_argument(
                "--event-log", type=Path, action="append",
                help="also take the name out of this event log (runtime.event_log always is)",
            )  # fmt: skip
    correct = actions.add_parser(
        "not", help="the face taken for NAME is not them: keep it as NAME's look-alike"
    )
    _settings_arguments(correct)
    correct.add_argument("name", help="the enrolled person the face was taken for")
    which = correct.add_mutually_exclusive_group()
    which.add_argument(
        "--decision", help="the decision_id of a FaceIdentified event (default: the last naming NAME)"
    )
    which.add_argument("--photo", type=Path, help="a photo of the person taken for NAME")
    tune = actions.add_parser("tune", help="cross-validate the identity rule's constants by person")
    _settings_arguments(tune)
    tune.add_argument("--faces", type=Path, help="one folder per person (default: <data_dir>/faces)")
    tune.add_argument("--folds", type=int, default=5)
    tune.add_argument("--json", action="store_true")
    evaluate = actions.add_parser("eval", help="top-1 accuracy, strangers accepted and every error")
    _settings_arguments(evaluate)  # --set vision.threshold=... evaluates other settings
    evaluate.add_argument(
        "--gallery", type=Path, required=True, help="one folder of photos per enrolled person"
    )
    evaluate.add_argument("--probes", type=Path, required=True, help="one folder per person, enrolled or not")
    evaluate.add_argument(
        "--lookalikes", type=Path,
        help="corrections: one folder per enrolled member, of photos mistaken for them",
    )  # fmt: skip
    evaluate.add_argument("--json", action="store_true")
    evaluate.add_argument("--plot", type=Path, help="DET curve PNG (default faces-det.png)")


def _context_arguments(commands: argparse._SubParsersAction[_Parser]) -> None:
    context = commands.add_parser("context", help="what the device keeps about the household; consent")
    actions = context.add_subparsers(dest="context_command", required=True, parser_class=_Parser)
    show = actions.add_parser("show", help="who is here, visits, interactions, reminders, list, nudges")
    _settings_arguments(show)
    show.add_argument("--json", action="store_true")
    forget = actions.add_parser("forget", help="erase a person from the context store")
    _settings_arguments(forget)
    forget.add_argument("name")
    consent = actions.add_parser("consent", help="turn a person's nudges on or off")
    _settings_arguments(consent)
    consent.add_argument("name")
    consent.add_argument("state", choices=("on", "off"))
    rules = actions.add_parser("rules", help="check a nudge rules file (default: context.rules_file)")
    _settings_arguments(rules)
    rules.add_argument("file", nargs="?", type=Path)


def _context(args: argparse.Namespace) -> int:
    from ambient.context.cli_commands import context_command

    return context_command(args, _load(args).settings)


def _faces(args: argparse.Namespace) -> int:
    from ambient.vision.cli_commands import faces_command

    settings = _load(args).settings if hasattr(args, "config") else load_settings().settings
    return faces_command(args, settings)


def _say(args: argparse.Namespace) -> int:
    import soundfile

    from ambient.models import ModelStore
    from ambient.speech.voice import DeviceVoice

    voice = DeviceVoice(ModelStore(), prefer=args.voice)
    audio = voice.synthesize(args.text)
    try:
        soundfile.write(str(args.out), audio, 16_000, subtype="PCM_16")
    except (OSError, RuntimeError) as exc:
        raise AmbientError(f"cannot write {args.out} ({exc}); choose another --out") from None
    print(f"{args.out}: {audio.size / 16_000:.2f} s spoken by {voice.name}")
    return 0


def _transcribe(args: argparse.Namespace) -> int:
    from ambient.assistant.skills import skill_phrases
    from ambient.speech.cli_commands import transcribe_command

    return transcribe_command(args, _load(args).settings, skill_phrases())


def _audit(args: argparse.Namespace) -> int:
    from ambient.cloud.cli_commands import audit_command

    return audit_command(args, _load(args).settings)


def _wakeword(args: argparse.Namespace) -> int:
    from ambient.wakeword.cli_commands import adapt_command, anchors_command, evaluate_command, train_command

    if args.wakeword_command == "train":
        return train_command(args, load_settings().settings)
    if args.wakeword_command == "anchors":
        return anchors_command(args, load_settings().settings)
    if args.wakeword_command == "adapt":
        return adapt_command(args, _load(args).settings)
    return evaluate_command(args, _load(args).settings)


def _load(args: argparse.Namespace, extra: Sequence[str] = ()) -> LoadedSettings:
    return load_settings(args.config, overrides=[*args.set, *extra])


def _run(args: argparse.Namespace) -> int:
    from ambient.device import Device
    from ambient.events import Event
    from ambient.runtime.bus import EventBus
    from ambient.runtime.event_log import EventLogWriter, format_event

    if args.duration is not None and args.duration <= 0:
        raise AmbientError(f"--duration {args.duration:g} must be more than 0 seconds")
    extra = [f"runtime.event_log={args.event_log}"] if args.event_log else []
    loaded = _load(args, extra)
    duration = args.duration
    if args.demo:
        from ambient.demo import prepare_demo
        from ambient.devices.registry import microphone_simulated

        if microphone_simulated(loaded.settings, args.simulate):
            demo = prepare_demo(loaded.settings)
            for note in demo.notes:
                print(f"demo: {note}", flush=True)
            # the demo's settings first: the user's --set still wins
            loaded = load_settings(args.config, overrides=[*demo.overrides, *args.set, *extra])
            duration = duration or demo.duration_s
            print(f"demo: running for {duration:g} s (--duration to change)", flush=True)
    settings = loaded.settings
    bus = EventBus()
    writer = EventLogWriter(Path(settings.runtime.event_log)) if settings.runtime.event_log else None
    if writer:
        bus.subscribe(writer)
    device = Device(settings, bus=bus, simulate=args.simulate)
    origin = device.clock.now()
    if not args.quiet:

        def show(event: Event) -> None:
            print(format_event(event, origin), flush=True)

        bus.subscribe(show)
    device.open()
    try:
        # with --duration the device runs that long, also after recorded media end (a timer rings)
        reason = asyncio.run(device.run(duration, until_media_end=duration is None))
    finally:
        if writer:
            writer.close()
    log.info("stopped: %s", reason)
    if device.devices.simulated and settings.speaker.backend in ("auto", "file") and device.devices.speaker:
        print(f"everything the device said: {Path(settings.speaker.path).resolve()}", flush=True)
    return 0


def _config_show(args: argparse.Namespace) -> int:
    for line in describe(_load(args)):
        print(line)
    return 0


def _models(args: argparse.Namespace) -> int:
    from ambient.models import ModelStore

    store = ModelStore()
    if args.models_command == "fetch":
        from tqdm import tqdm

        names = args.names or None
        total = len(args.names) if args.names else len(store.entries)
        with tqdm(total=total, desc="models", unit="file", disable=None) as bar:

            def advance(name: str) -> None:
                bar.set_postfix_str(name)
                bar.update(1)

            paths = store.fetch(names, force=args.force, progress=advance)
        for path in paths:
            print(f"ok  {path}")
        return 0
    problems = 0
    for status in store.check():
        state = "ok " if status.problem is None else "BAD"
        detail = f"  {status.problem}; run `ambient models fetch`" if status.problem else ""
        print(f"{state} {status.entry.name:<14} {status.entry.licence:<8} {status.location}{detail}")
        problems += status.problem is not None
    return 2 if problems else 0


def _events(args: argparse.Namespace) -> int:
    from ambient.runtime.event_log import format_event, read_events

    origin: float | None = None
    for event in read_events(args.file, follow=args.follow):
        if args.type and event.type not in args.type:
            continue
        if origin is None:
            origin = event.t
        print(event.to_json() if args.json else format_event(event, origin), flush=True)
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from ambient.doctor import examine
    from ambient.models import ModelStore

    findings = examine(_load(args), ModelStore())
    for finding in findings:
        mark = "ok " if finding.ok else "-- "
        print(f"{mark} {finding.area:<11} {finding.what}")
        if finding.fix:
            print(f"    {'':<11} fix: {finding.fix}")
    return 0 if all(f.ok for f in findings) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handlers = {
        "run": _run,
        "wakeword": _wakeword,
        "faces": _faces,
        "context": _context,
        "say": _say,
        "transcribe": _transcribe,
        "audit": _audit,
        "config": _config_show,
        "models": _models,
        "events": _events,
        "doctor": _doctor,
    }
    try:
        return handlers[args.command](args)
    except AmbientError as exc:
        sys.stderr.write(f"ambient: error: {exc}\n")
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
