#include "apikeystore.h"

#include "config/config.h"
#include "registry/passwordhasher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSaveFile>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace drover::auth {

namespace {

constexpr int FormatVersion = 1;
constexpr qsizetype IdLength = 12;    // hex digits: 48 bits, so collisions are rare and retried
constexpr qsizetype SecretBytes = 32; // full entropy: what makes a cheap hash safe

void setError(QString *error, const QString &message)
{
    if (error)
        *error = message;
}

QString formatTime(const QDateTime &time)
{
    return time.toUTC().toString(Qt::ISODate);
}

// Line and column of a byte offset, for the message of a JSON syntax error.
QString position(const QByteArray &json, qsizetype offset)
{
    int line = 1;
    int column = 1;
    for (qsizetype i = 0; i < offset && i < json.size(); ++i) {
        if (json.at(i) == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QString::number(line) + QLatin1Char(':') + QString::number(column);
}

QString randomHex(qsizetype bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->generate(raw.begin(), raw.end());
    return QString::fromLatin1(raw.toHex());
}

// Reads one key record; `path` is its place in the file for messages ("keys[2]").
std::optional<ApiKey> readKey(const QJsonValue &value, const QString &path, QString *error)
{
    if (!value.isObject()) {
        setError(error, path + QLatin1String(": expected an object"));
        return std::nullopt;
    }
    const QJsonObject object = value.toObject();
    const auto fail = [&](const char *field, const QString &message) {
        setError(error, path + QLatin1Char('.') + QLatin1String(field) + QLatin1String(": ") + message);
        return std::nullopt;
    };
    const auto time = [&](const char *field, bool required, QDateTime *out) {
        const QJsonValue v = object.value(QLatin1String(field));
        if (v.isUndefined() || v.isNull()) {
            if (required)
                setError(error, path + QLatin1Char('.') + QLatin1String(field) + QLatin1String(": missing"));
            return !required;
        }
        const QDateTime parsed = QDateTime::fromString(v.toString(), Qt::ISODate);
        if (!v.isString() || !parsed.isValid()) {
            setError(error,
                     path + QLatin1Char('.') + QLatin1String(field) +
                         QLatin1String(": expected an RFC 3339 time such as \"2025-05-01T10:00:00Z\""));
            return false;
        }
        *out = parsed.toUTC();
        return true;
    };

    ApiKey key;
    key.id = object.value(QLatin1String("id")).toString();
    if (!ApiKeyStore::isValidId(key.id))
        return fail("id", QStringLiteral("expected 12 lowercase hexadecimal digits"));
    key.user = object.value(QLatin1String("user")).toString();
    QString reason;
    if (!config::isValidUserName(key.user, &reason))
        return fail("user", reason);
    key.hash = object.value(QLatin1String("hash")).toString().toLatin1();
    if (!config::isValidPasswordHash(key.hash, &reason))
        return fail("hash", reason);
    if (!time("created", true, &key.created) || !time("expires", false, &key.expires) ||
        !time("revoked", false, &key.revoked))
        return std::nullopt;
    const QJsonValue label = object.value(QLatin1String("label"));
    if (!label.isUndefined() && !label.isNull() && !label.isString())
        return fail("label", QStringLiteral("expected a string"));
    key.label = label.toString();
    return key;
}

QJsonValue timeValue(const QDateTime &time)
{
    return time.isValid() ? QJsonValue(formatTime(time)) : QJsonValue(QJsonValue::Null);
}

} // namespace

QString ApiKeyStore::filePath(const QString &stateDir)
{
    return stateDir + QLatin1Char('/') + QLatin1String(FileName);
}

std::optional<ApiKeyStore> ApiKeyStore::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.exists())
        return ApiKeyStore();
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, QLatin1String("cannot read ") + path + QLatin1String(": ") + file.errorString());
        return std::nullopt;
    }
    const QByteArray content = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        setError(error, QLatin1String("cannot read ") + path + QLatin1String(": ") + file.errorString());
        return std::nullopt;
    }
    return fromJson(content, path, error);
}

std::optional<ApiKeyStore> ApiKeyStore::fromJson(const QByteArray &json, const QString &sourceName,
                                                 QString *error)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        setError(error, sourceName + QLatin1Char(':') + position(json, parseError.offset) +
                            QLatin1String(": not valid JSON: ") + parseError.errorString());
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    if (!document.isObject() || !root.value(QLatin1String("keys")).isArray()) {
        setError(error, sourceName + QLatin1String(": not an API key file: expected an object with a "
                                                   "\"keys\" array"));
        return std::nullopt;
    }
    const int version = root.value(QLatin1String("version")).toInt(-1);
    if (version != FormatVersion) {
        setError(error,
                 sourceName + QLatin1String(": version: expected 1") +
                     (version > FormatVersion ? QLatin1String(" (this file was written by a newer droverd)")
                                              : QLatin1String()));
        return std::nullopt;
    }
    ApiKeyStore store;
    const QJsonArray keys = root.value(QLatin1String("keys")).toArray();
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const QString path = QStringLiteral("keys[%1]").arg(i);
        QString reason;
        std::optional<ApiKey> key = readKey(keys.at(i), path, &reason);
        if (key && store.find(key->id))
            reason = path + QLatin1String(".id: duplicate id ") + key->id;
        if (!key || !reason.isEmpty()) {
            setError(error, sourceName + QLatin1String(": ") + reason);
            return std::nullopt;
        }
        store.m_keys.append(*key);
    }
    return store;
}

QByteArray ApiKeyStore::toJson() const
{
    QJsonArray keys;
    for (const ApiKey &key : m_keys) {
        keys.append(QJsonObject{
            {QStringLiteral("id"), key.id},
            {QStringLiteral("user"), key.user},
            {QStringLiteral("hash"), QString::fromLatin1(key.hash)},
            {QStringLiteral("created"), timeValue(key.created)},
            {QStringLiteral("expires"), timeValue(key.expires)},
            {QStringLiteral("revoked"), timeValue(key.revoked)},
            {QStringLiteral("label"), key.label},
        });
    }
    return QJsonDocument(
               QJsonObject{{QStringLiteral("version"), FormatVersion}, {QStringLiteral("keys"), keys}})
        .toJson(QJsonDocument::Indented);
}

bool ApiKeyStore::makeDirectory(const QString &dir, QString *error)
{
    if (QFileInfo(dir).isDir())
        return true;
    const QString parent = QFileInfo(dir).absolutePath();
    if (!QDir().mkpath(parent)) {
        setError(error, QLatin1String("cannot create ") + parent);
        return false;
    }
    // 0700: only droverd's user may list or read what the state directory holds.
    if (::mkdir(QFile::encodeName(dir).constData(), 0700) != 0 && errno != EEXIST) {
        setError(error, QLatin1String("cannot create ") + dir + QLatin1String(": ") +
                            QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    return true;
}

bool ApiKeyStore::save(const QString &path, QString *error) const
{
    if (!makeDirectory(QFileInfo(path).absolutePath(), error))
        return false;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        setError(error, QLatin1String("cannot write ") + path + QLatin1String(": ") + file.errorString());
        return false;
    }
    // The temporary file gets 0600 before anything is written to it, and keeps it through
    // the rename; an existing file's looser mode is not carried over.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        setError(error, QLatin1String("cannot make ") + path + QLatin1String(" private (mode 0600)"));
        file.cancelWriting();
        return false;
    }
    const QByteArray json = toJson();
    if (file.write(json) != json.size() || !file.commit()) {
        setError(error, QLatin1String("cannot write ") + path + QLatin1String(": ") + file.errorString());
        return false;
    }
    return true;
}

QByteArray ApiKeyStore::create(const QString &user, const QDateTime &expires, const QString &label,
                               const QDateTime &now, QString *error)
{
    ApiKey key;
    do {
        key.id = randomHex(IdLength / 2);
    } while (find(key.id));
    QByteArray secret(SecretBytes, Qt::Uninitialized);
    QRandomGenerator::system()->generate(secret.begin(), secret.end());
    QByteArray text = QByteArray(KeyPrefix) + key.id.toLatin1() + '_' +
                      secret.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    registry::PasswordHasher::wipe(secret);
    // Full entropy: the minimum Argon2id cost is enough, and checks stay cheap.
    key.hash = registry::PasswordHasher::hashSecret(text);
    if (key.hash.isEmpty()) {
        registry::PasswordHasher::wipe(text);
        setError(error, QStringLiteral("cannot hash the key (libsodium unavailable or out of memory)"));
        return QByteArray();
    }
    key.user = user;
    key.created = now.toUTC();
    key.expires = expires.isValid() ? expires.toUTC() : QDateTime();
    key.label = label;
    m_keys.append(key);
    return text;
}

ApiKeyStore::RevokeResult ApiKeyStore::revoke(const QString &id, const QDateTime &now)
{
    for (ApiKey &key : m_keys) {
        if (key.id != id)
            continue;
        if (key.revoked.isValid())
            return RevokeResult::AlreadyRevoked;
        key.revoked = now.toUTC();
        return RevokeResult::Revoked;
    }
    return RevokeResult::Unknown;
}

int ApiKeyStore::revokeUser(const QString &user, const QDateTime &now)
{
    int count = 0;
    for (ApiKey &key : m_keys) {
        if (key.user == user && !key.revoked.isValid()) {
            key.revoked = now.toUTC();
            ++count;
        }
    }
    return count;
}

const ApiKey *ApiKeyStore::find(const QString &id) const
{
    for (const ApiKey &key : m_keys) {
        if (key.id == id)
            return &key;
    }
    return nullptr;
}

bool ApiKeyStore::add(const ApiKey &key)
{
    if (find(key.id))
        return false;
    m_keys.append(key);
    return true;
}

bool ApiKeyStore::isValidId(const QString &id)
{
    if (id.size() != IdLength)
        return false;
    for (QChar c : id) {
        if (!((c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
              (c >= QLatin1Char('a') && c <= QLatin1Char('f'))))
            return false;
    }
    return true;
}

std::optional<QString> ApiKeyStore::idOf(const QByteArray &key)
{
    const qsizetype prefix = qsizetype(sizeof(KeyPrefix) - 1);
    // drv_ + id + _ + at least one character of secret
    if (key.size() < prefix + IdLength + 2 || !key.startsWith(KeyPrefix) || key.at(prefix + IdLength) != '_')
        return std::nullopt;
    const QString id = QString::fromLatin1(key.mid(prefix, IdLength));
    return isValidId(id) ? std::optional<QString>(id) : std::nullopt;
}

} // namespace drover::auth
