// droverd: the headless Drover gateway (a service under systemd, or a lab on a laptop).
#include "config/commandlineoptions.h"
#include "gateway.h"
#include "keyscommand.h"
#include "logsetup.h"
#include "registry/passwordhasher.h"
#include "signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <termios.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcMain, "drover.droverd")

namespace {

constexpr auto Description =
    R"(Drover gateway: device events as CloudEvents over MQTT, commands back to devices.

Applications connect with any MQTT 3.1.1 or 5 client:
  SUBSCRIBE app/<application>                     every event of the application
  SUBSCRIBE app/<application>/<device>[/<channel>] one device or channel ('+' allowed)
  SUBSCRIBE $share/<group>/app/<application>      share one consumer group
  PUBLISH   command/<application>/<device>/<command>  send a command
MQTT 5 SUBSCRIBE user properties: content-mode=binary|structured,
start=earliest|latest|<RFC 3339 time>.

Try it:  droverd --demo
         mosquitto_sub -V 5 -t app/demo
         mosquitto_pub -V 5 -q 1 -t command/demo/device-1/setTemperature -m '{"value": 25}'

Devices: give each [[application.device]] in the --config file a password-hash made by
  droverd hash-password       reads one password from stdin (a line; on a terminal it
                              prompts twice without echo) and prints its Argon2id hash.
                              Must be the first argument: echo -n secret | droverd hash-password

API keys: applications log in with user name = a user, password = one of their keys.
  droverd keys create --user NAME [--expires 30d] [--label TEXT]   prints a new key once
  droverd keys list [--user NAME]         droverd keys revoke ID | --user NAME --all
  They work on the --state-dir (or the --config file's state-dir); see droverd keys --help.
  What a user may do: [[application.member]] user = "NAME", roles = reader, publisher, admin.

Signals: SIGINT/SIGTERM shut down gracefully (MQTT 5 clients get DISCONNECT 0x8B).
SIGHUP re-reads the --config file (with the same options applied) and replaces the device
registry and the application list; listeners and other settings need a restart. A file
that doesn't validate is logged and the running configuration is kept. SIGHUP also
re-reads the TLS certificate and key (--tls-cert, --tls-key, [tls]): new connections get
them, established ones stay; files that can't be used leave the running ones in place.
Exit status: 0 after a clean shutdown, 1 if a listener can't be bound, 2 for a usage or
configuration error (a TLS certificate or key that can't be used is one).)";

constexpr auto HashPasswordHelp =
    R"(Usage: droverd hash-password

Reads one password from standard input and prints its hash, for the password-hash key of
a device in droverd's configuration file:

  echo -n 'secret' | droverd hash-password

Only the first line is read; its line end (\n or \r\n) is not part of the password. On a
terminal, droverd prompts on standard error and reads the password twice without echo.
The hash is Argon2id (libsodium crypto_pwhash_str, interactive limits) with a random salt,
so hashing one password twice gives two different strings; both verify.

Exit status: 0 with the hash on standard output; 2 for an empty password, passwords that
differ, or an unexpected argument; 1 if reading or hashing fails.
)";

// MQTT's password field holds at most 65535 bytes: a longer password could never be sent.
constexpr qsizetype MaxPasswordBytes = 65535;

termios g_savedTerminal;
volatile std::sig_atomic_t g_echoOff = 0;

// Puts the terminal's echo back if the user interrupts the hidden prompt, then dies of
// the signal as it would have without this handler.
void restoreEchoAndDie(int signalNumber)
{
    if (g_echoOff)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_savedTerminal);
    std::signal(signalNumber, SIG_DFL);
    std::raise(signalNumber);
}

// Why reading a password failed, and the exit status that says so.
struct ReadFailure {
    QString message;
    int status = 1;
};

// One line of stdin without its line end; nullopt (and failure set) if it cannot be read
// or is too long.
std::optional<QByteArray> readPasswordLine(ReadFailure *failure)
{
    QByteArray line;
    int c = 0;
    while ((c = std::getc(stdin)) != EOF && c != '\n') {
        if (line.size() == MaxPasswordBytes) {
            drover::registry::PasswordHasher::wipe(line);
            *failure = {QStringLiteral("the password is longer than %1 bytes, the most MQTT can carry")
                            .arg(MaxPasswordBytes),
                        2};
            return std::nullopt;
        }
        line.append(char(c));
    }
    if (std::ferror(stdin)) {
        drover::registry::PasswordHasher::wipe(line);
        *failure = {QStringLiteral("cannot read standard input: %1")
                        .arg(QString::fromLocal8Bit(std::strerror(errno))),
                    1};
        return std::nullopt;
    }
    if (c == '\n' && line.endsWith('\r'))
        line.chop(1); // a line from a file with Windows line ends
    return line;
}

// Prompts on stderr and reads a line from the terminal on stdin without echoing it.
std::optional<QByteArray> readHiddenPassword(const char *prompt, ReadFailure *failure)
{
    termios noEcho;
    const bool canHide = ::tcgetattr(STDIN_FILENO, &g_savedTerminal) == 0;
    if (canHide) {
        noEcho = g_savedTerminal;
        noEcho.c_lflag &= ~tcflag_t(ECHO);
        noEcho.c_lflag |= ECHONL; // the user still sees that Enter was taken
        for (int signalNumber : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP})
            std::signal(signalNumber, restoreEchoAndDie);
        g_echoOff = 1;
        // TCSANOW, not TCSAFLUSH: a password typed (or sent) as soon as the prompt shows
        // must not be thrown away.
        ::tcsetattr(STDIN_FILENO, TCSANOW, &noEcho);
    }
    // The prompt only once echo is off, so nothing typed after it is ever shown.
    std::fputs(prompt, stderr);
    std::fflush(stderr);
    std::optional<QByteArray> password = readPasswordLine(failure);
    if (canHide) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &g_savedTerminal);
        g_echoOff = 0;
        for (int signalNumber : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP})
            std::signal(signalNumber, SIG_DFL);
    }
    return password;
}

// `droverd hash-password`: runs before Qt and option parsing, so nothing else (a config
// file, a listener) is needed or touched. Never prints the password.
int hashPassword(int argc, char *argv[])
{
    using drover::registry::PasswordHasher;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(HashPasswordHelp, stdout);
            return 0;
        }
        std::fprintf(stderr,
                     "droverd hash-password: unexpected argument '%s'; the password is read from standard "
                     "input (see droverd hash-password --help)\n",
                     argv[i]);
        return 2;
    }
    const auto failed = [](const QString &message, int code) {
        std::fprintf(stderr, "droverd hash-password: %s\n", qPrintable(message));
        return code;
    };

    ReadFailure failure;
    std::optional<QByteArray> password;
    if (::isatty(STDIN_FILENO)) {
        password = readHiddenPassword("Password: ", &failure);
        if (password && !password->isEmpty()) {
            std::optional<QByteArray> again = readHiddenPassword("Repeat password: ", &failure);
            const bool same = again && *again == *password;
            if (again)
                PasswordHasher::wipe(*again);
            if (!same) {
                PasswordHasher::wipe(*password);
                return again ? failed(QStringLiteral("the passwords differ; nothing hashed"), 2)
                             : failed(failure.message, failure.status);
            }
        }
    } else {
        password = readPasswordLine(&failure);
    }
    if (!password)
        return failed(failure.message, failure.status);
    if (password->isEmpty())
        return failed(QStringLiteral("empty password; a device needs a non-empty one (or no password-hash)"),
                      2);
    if (!PasswordHasher::initialize()) {
        PasswordHasher::wipe(*password);
        return failed(QStringLiteral("cannot initialise libsodium"), 1);
    }
    const QByteArray hash = PasswordHasher::hash(*password);
    PasswordHasher::wipe(*password);
    if (hash.isEmpty())
        return failed(QStringLiteral("cannot hash the password (out of memory?)"), 1);
    std::fwrite(hash.constData(), 1, std::size_t(hash.size()), stdout);
    std::fputc('\n', stdout);
    return std::fflush(stdout) == 0 ? 0
                                    : failed(QStringLiteral("cannot write the hash to standard output"), 1);
}

void fail(const QString &message, int code)
{
    std::fprintf(stderr, "droverd: %s\n", qPrintable(message));
    std::exit(code);
}

} // namespace

int main(int argc, char *argv[])
{
    // A subcommand, not an option: it must work before (and without) any option parsing.
    if (argc >= 2 && std::strcmp(argv[1], "hash-password") == 0)
        return hashPassword(argc, argv);
    if (argc >= 2 && std::strcmp(argv[1], "keys") == 0) {
        QStringList arguments;
        for (int i = 2; i < argc; ++i)
            arguments.append(QString::fromLocal8Bit(argv[i]));
        return drover::KeysCommand::run(arguments);
    }

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("droverd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DROVER_VERSION));
    drover::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(Description));
    parser.addHelpOption();
    parser.addVersionOption();
    const drover::config::CommandLineOptions gatewayOptions;
    gatewayOptions.addTo(parser);
    if (!parser.parse(QCoreApplication::arguments()))
        fail(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty()) {
        const QString argument = parser.positionalArguments().first();
        fail(argument == QLatin1String("hash-password") || argument == QLatin1String("keys")
                 ? QStringLiteral("%1 must be the first argument: droverd %1").arg(argument)
                 : QStringLiteral("unexpected argument '%1' (see --help)").arg(argument),
             2);
    }

    // The file with the command line's overrides on top: at startup, and again for SIGHUP.
    // Errors are returned rather than fatal, so that a bad reload leaves droverd running.
    const auto loadConfig = [&](QString *error) { return gatewayOptions.load(parser, error); };

    QString loadError;
    const std::optional<drover::config::Config> loaded = loadConfig(&loadError);
    if (!loaded)
        fail(loadError, 2);
    const drover::config::Config &config = *loaded;
    if (!drover::applyLogLevel(config.logLevel))
        fail(QStringLiteral("--log-level: expected debug, info, warning or error, got '%1'")
                 .arg(config.logLevel),
             2);

    // Before the listeners open: a signal that arrives while they do waits in the watcher's
    // pipe for the event loop instead of killing droverd with the default action.
    drover::SignalWatcher signals_;
    drover::Gateway gateway(config);
    QString error;
    // The TLS files are part of the configuration: one that can't be used is a configuration
    // error (status 2), not a listener that can't be bound.
    if (!gateway.loadCertificates(&error))
        fail(error, 2);
    if (!gateway.start(&error))
        fail(error, 1);

    QObject::connect(&signals_, &drover::SignalWatcher::terminate, &gateway, [&gateway](int signalNumber) {
        qCInfo(lcMain) << "signal" << signalNumber << "received";
        gateway.shutdown();
    });
    QObject::connect(&signals_, &drover::SignalWatcher::reload, &gateway, [&] {
        if (!gatewayOptions.hasConfigFile(parser)) {
            if (gateway.hasTlsListeners()) {
                qCInfo(lcMain) << "SIGHUP: reloading the TLS certificate (no --config to reload)";
                gateway.reloadCertificates();
                return;
            }
            qCInfo(lcMain) << "SIGHUP: droverd runs without --config, so there is nothing to reload";
            return;
        }
        const QString path = gatewayOptions.configFile(parser);
        QString error;
        const std::optional<drover::config::Config> reloaded = loadConfig(&error);
        if (!reloaded) {
            qCWarning(lcMain).noquote()
                << "SIGHUP: configuration not reloaded, the running one stays:" << error;
            return;
        }
        qCInfo(lcMain).noquote() << "SIGHUP: reloading" << path
                                 << "- only the device registry, the application list (members too), the"
                                    " API keys and the TLS certificate are reloaded; listeners and other"
                                    " settings apply at the next start";
        gateway.reload(*reloaded);
    });
    QObject::connect(&gateway, &drover::Gateway::stopped, &app, [] {
        qCInfo(lcMain) << "stopped";
        QCoreApplication::quit();
    });
    qCInfo(lcMain).noquote() << "droverd" << QCoreApplication::applicationVersion() << "ready, instance"
                             << config.instance;
    return app.exec();
}
