#include "keyscommand.h"

#include "auth/apikeystore.h"
#include "config/config.h"
#include "config/configloader.h"
#include "registry/passwordhasher.h"

#include <QCommandLineParser>
#include <QDir>
#include <QLockFile>
#include <QRegularExpression>

#include <cstdio>
#include <optional>

namespace drover {

namespace {

constexpr auto Help = R"(Usage: droverd keys create --user NAME [--expires DURATION|TIME] [--label TEXT]
       droverd keys list [--user NAME]
       droverd keys revoke ID
       droverd keys revoke --user NAME --all
Each also takes [--state-dir DIR] [--config FILE].

API keys let applications log in as a user: MQTT user name = the user, password = the key
(mosquitto_sub -u alice -P drv_...). What the user may do comes from the applications'
[[application.member]] entries in the configuration file.

  create   makes a key for --user and prints it on standard output, once: only its hash
           is kept. --expires takes a duration (90s, 15m, 24h, 30d) or an RFC 3339 time
           with a zone (2026-12-31T00:00:00Z); without it the key never expires. --label
           is a note for `list` (what the key is for).
  list     shows every key (or those of --user): id, user, state (active, expired,
           revoked), when it was created, when it expires, its label. Never a secret.
  revoke   revokes the key with that id (the part after drv_ in the key), or with
           --user NAME --all every key of that user.

droverd reads the key file when it starts, on SIGHUP, and whenever it changed when a
client logs in with a key: a new or revoked key counts from the next connection on.
Connections already open stay open when their key is revoked.

The key file is <state dir>/api-keys.json, mode 0600, in a directory made with mode 0700.
The state directory is --state-dir, else the --config file's state-dir, else
$STATE_DIRECTORY, $XDG_STATE_HOME/drover or ~/.local/state/drover.

Exit status: 0 done; 1 not done (no such key, the key file can't be read or written);
2 usage error.
)";

constexpr int MaxLabelLength = 200;

int usage(const QString &message)
{
    std::fprintf(stderr, "droverd keys: %s (see droverd keys --help)\n", qPrintable(message));
    return 2;
}

int failure(const QString &message)
{
    std::fprintf(stderr, "droverd keys: %s\n", qPrintable(message));
    return 1;
}

void note(const QString &message)
{
    std::fprintf(stderr, "droverd keys: %s\n", qPrintable(message));
}

QString formatTime(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QStringLiteral("never");
}

// --expires: a duration from now, or an RFC 3339 time with a zone, in the future.
std::optional<QDateTime> parseExpiry(const QString &text, const QDateTime &now, QString *error)
{
    QString durationError;
    if (const std::optional<qint64> seconds = config::parseDuration(text, &durationError)) {
        if (*seconds <= 0) {
            *error =
                QStringLiteral("--expires: a key that expires at once is no key; give a positive duration");
            return std::nullopt;
        }
        return now.addSecs(*seconds);
    }
    static const QRegularExpression rfc3339(
        QStringLiteral("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"));
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!rfc3339.match(text).hasMatch() || !time.isValid()) {
        *error =
            QStringLiteral("--expires: expected a duration such as 30d or 24h, or an RFC 3339 time with a "
                           "zone such as 2026-12-31T00:00:00Z, got '%1'")
                .arg(text);
        return std::nullopt;
    }
    if (time <= now) {
        *error = QStringLiteral("--expires: %1 is not in the future").arg(text);
        return std::nullopt;
    }
    return time.toUTC();
}

// Where the key file is: --state-dir, the --config file's state-dir, or the default.
std::optional<QString> stateDir(const QCommandLineParser &parser, const std::optional<config::Config> &config)
{
    if (parser.isSet(QStringLiteral("state-dir"))) {
        const QString dir = parser.value(QStringLiteral("state-dir"));
        if (dir.isEmpty())
            return std::nullopt;
        return QDir::cleanPath(QDir(dir).absolutePath());
    }
    return config ? config::stateDirOf(*config) : config::defaultStateDir();
}

int create(const QCommandLineParser &parser, const QStringList &arguments, const QString &path,
           const std::optional<config::Config> &config)
{
    if (!arguments.isEmpty())
        return usage(QStringLiteral("create takes no argument '%1'").arg(arguments.first()));
    if (parser.isSet(QStringLiteral("all")))
        return usage(QStringLiteral("--all is for revoke"));
    if (!parser.isSet(QStringLiteral("user")))
        return usage(QStringLiteral("create needs --user NAME: whose key it is"));
    const QString user = parser.value(QStringLiteral("user"));
    QString error;
    if (!config::isValidUserName(user, &error))
        return usage(QStringLiteral("--user: ") + error);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QDateTime expires;
    if (parser.isSet(QStringLiteral("expires"))) {
        const std::optional<QDateTime> parsed =
            parseExpiry(parser.value(QStringLiteral("expires")), now, &error);
        if (!parsed)
            return usage(error);
        expires = *parsed;
    }
    const QString label = parser.value(QStringLiteral("label"));
    if (label.size() > MaxLabelLength)
        return usage(QStringLiteral("--label: at most %1 characters").arg(MaxLabelLength));
    for (QChar c : label) {
        if (c.category() == QChar::Other_Control)
            return usage(QStringLiteral("--label: no control characters (tabs, line ends)"));
    }

    if (!auth::ApiKeyStore::makeDirectory(QFileInfo(path).absolutePath(), &error))
        return failure(error);
    QLockFile lock(path + QLatin1String(".lock"));
    if (!lock.tryLock(10000))
        return failure(QStringLiteral("another droverd keys command is changing %1; try again").arg(path));
    std::optional<auth::ApiKeyStore> store = auth::ApiKeyStore::load(path, &error);
    if (!store)
        return failure(error + QStringLiteral("; nothing changed"));
    QByteArray key = store->create(user, expires, label, now, &error);
    if (key.isEmpty())
        return failure(error);
    const QString id = store->keys().constLast().id;
    if (!store->save(path, &error)) {
        registry::PasswordHasher::wipe(key);
        return failure(error);
    }
    lock.unlock();

    // The key, alone on standard output, the only time it is ever shown.
    std::fwrite(key.constData(), 1, std::size_t(key.size()), stdout);
    std::fputc('\n', stdout);
    registry::PasswordHasher::wipe(key);
    if (std::fflush(stdout) != 0)
        return failure(QStringLiteral("cannot write the key to standard output; revoke key %1").arg(id));
    note(QStringLiteral("created key %1 for user %2 (%3) in %4; it is shown only this once: keep it now")
             .arg(id, user,
                  expires.isValid() ? QStringLiteral("expires %1").arg(formatTime(expires))
                                    : QStringLiteral("never expires"),
                  path));
    if (config) {
        bool member = false;
        for (const config::ApplicationConfig &app : config->applications) {
            for (const config::MemberConfig &m : app.members)
                member = member || m.user == user;
            member = member || app.anonymousRead || app.anonymousCommand;
        }
        if (!member)
            note(QStringLiteral("note: %1 is a member of no application in %2, so the key can't connect yet; "
                                "add an [[application.member]] with user = \"%1\"")
                     .arg(user, parser.value(QStringLiteral("config"))));
    }
    return 0;
}

int list(const QCommandLineParser &parser, const QStringList &arguments, const QString &path)
{
    for (const char *option : {"expires", "label", "all"}) {
        if (parser.isSet(QLatin1String(option)))
            return usage(QStringLiteral("--%1 is not for list").arg(QLatin1String(option)));
    }
    if (!arguments.isEmpty())
        return usage(QStringLiteral("list takes no argument '%1'").arg(arguments.first()));
    QString error;
    const std::optional<auth::ApiKeyStore> store = auth::ApiKeyStore::load(path, &error);
    if (!store)
        return failure(error);
    const QString user = parser.value(QStringLiteral("user"));
    QList<auth::ApiKey> keys;
    for (const auth::ApiKey &key : store->keys()) {
        if (user.isEmpty() || key.user == user)
            keys.append(key);
    }
    if (keys.isEmpty()) {
        note(user.isEmpty() ? QStringLiteral("no API keys in %1").arg(path)
                            : QStringLiteral("no API keys of user %1 in %2").arg(user, path));
        return 0;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<QStringList> rows{{QStringLiteral("ID"), QStringLiteral("USER"), QStringLiteral("STATE"),
                             QStringLiteral("CREATED"), QStringLiteral("EXPIRES"), QStringLiteral("LABEL")}};
    for (const auth::ApiKey &key : keys) {
        rows.append({key.id, key.user, auth::ApiKey::stateName(key.state(now)), formatTime(key.created),
                     formatTime(key.expires), key.label});
    }
    QList<qsizetype> widths(rows.first().size(), 0);
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row.at(i).size());
    }
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row.at(i).leftJustified(widths[i] + 2) : row.at(i);
        std::printf("%s\n", qPrintable(line.trimmed()));
    }
    return 0;
}

int revoke(const QCommandLineParser &parser, const QStringList &ids, const QString &path)
{
    for (const char *option : {"expires", "label"}) {
        if (parser.isSet(QLatin1String(option)))
            return usage(QStringLiteral("--%1 is not for revoke").arg(QLatin1String(option)));
    }
    const bool byUser = parser.isSet(QStringLiteral("user"));
    if (byUser == !ids.isEmpty() || ids.size() > 1)
        return usage(QStringLiteral("revoke takes one key id, or --user NAME --all"));
    if (byUser && !parser.isSet(QStringLiteral("all")))
        return usage(
            QStringLiteral("to revoke every key of %1, add --all").arg(parser.value(QStringLiteral("user"))));
    if (!byUser && parser.isSet(QStringLiteral("all")))
        return usage(QStringLiteral("--all needs --user NAME"));
    QString id = byUser ? QString() : ids.first();
    // The whole key given by mistake: take its id, and never repeat the key.
    if (const std::optional<QString> fromKey = auth::ApiKeyStore::idOf(id.toLatin1()))
        id = *fromKey;
    else if (!byUser && !auth::ApiKeyStore::isValidId(id))
        return usage(
            QStringLiteral("a key id is 12 hexadecimal digits (the part after drv_); see droverd keys list"));

    QString error;
    if (!QFileInfo::exists(path))
        return failure(byUser ? QStringLiteral("no API keys in %1").arg(path)
                              : QStringLiteral("no key %1 in %2").arg(id, path));
    QLockFile lock(path + QLatin1String(".lock"));
    if (!lock.tryLock(10000))
        return failure(QStringLiteral("another droverd keys command is changing %1; try again").arg(path));
    std::optional<auth::ApiKeyStore> store = auth::ApiKeyStore::load(path, &error);
    if (!store)
        return failure(error + QStringLiteral("; nothing changed"));
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString done;
    if (byUser) {
        const QString user = parser.value(QStringLiteral("user"));
        const int count = store->revokeUser(user, now);
        if (count == 0) {
            note(QStringLiteral("user %1 has no key that isn't revoked already; nothing changed").arg(user));
            return 0;
        }
        done = QStringLiteral("revoked %1 key(s) of user %2").arg(count).arg(user);
    } else {
        switch (store->revoke(id, now)) {
        case auth::ApiKeyStore::RevokeResult::Unknown:
            return failure(QStringLiteral("no key %1 in %2").arg(id, path));
        case auth::ApiKeyStore::RevokeResult::AlreadyRevoked:
            note(QStringLiteral("key %1 was revoked already, at %2; nothing changed")
                     .arg(id, formatTime(store->find(id)->revoked)));
            return 0;
        case auth::ApiKeyStore::RevokeResult::Revoked:
            done = QStringLiteral("revoked key %1 of user %2").arg(id, store->find(id)->user);
            break;
        }
    }
    if (!store->save(path, &error))
        return failure(error + QStringLiteral("; nothing revoked"));
    note(done + QStringLiteral("; droverd refuses it from the next connection on (open connections stay)"));
    return 0;
}

} // namespace

int KeysCommand::run(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addOptions({
        {{QStringLiteral("h"), QStringLiteral("help")}, QStringLiteral("Show this help.")},
        {QStringLiteral("user"), QStringLiteral("The user."), QStringLiteral("name")},
        {QStringLiteral("expires"), QStringLiteral("When the key expires."), QStringLiteral("when")},
        {QStringLiteral("label"), QStringLiteral("A note about the key."), QStringLiteral("text")},
        {QStringLiteral("all"), QStringLiteral("Every key of --user.")},
        {QStringLiteral("state-dir"), QStringLiteral("The state directory."), QStringLiteral("dir")},
        {QStringLiteral("config"), QStringLiteral("The configuration file."), QStringLiteral("file")},
    });
    // QCommandLineParser expects the program name first.
    if (!parser.parse(QStringList{QStringLiteral("droverd keys")} + arguments))
        return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(Help, stdout);
        return 0;
    }
    QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usage(QStringLiteral("expected create, list or revoke"));
    const QString action = positional.takeFirst();
    if (action != QLatin1String("create") && action != QLatin1String("list") &&
        action != QLatin1String("revoke"))
        return usage(QStringLiteral("unknown command '%1'; expected create, list or revoke").arg(action));

    std::optional<config::Config> config;
    if (parser.isSet(QStringLiteral("config"))) {
        QString error;
        config = config::ConfigLoader::loadFile(parser.value(QStringLiteral("config")), &error);
        if (!config)
            return usage(error);
    }
    const std::optional<QString> dir = stateDir(parser, config);
    if (!dir)
        return usage(QStringLiteral("--state-dir: expected a directory"));
    const QString path = auth::ApiKeyStore::filePath(*dir);
    if (action == QLatin1String("create"))
        return create(parser, positional, path, config);
    if (action == QLatin1String("list"))
        return list(parser, positional, path);
    return revoke(parser, positional, path);
}

} // namespace drover
