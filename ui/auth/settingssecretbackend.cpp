#include "settingssecretbackend.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QUrl>

#include <optional>

namespace drover::ui {

namespace {

const QString Prefix = QStringLiteral("obscured-v1:");
const QString SecretsGroup = QStringLiteral("secrets");
const QString AllowedKey = QStringLiteral("fallback/allowed");

// XOR with a pad derived from the key name, then base64. Not encryption (the pad is public):
// it only keeps the secret out of plain sight.
QByteArray pad(const QString &key, int length)
{
    QByteArray out;
    QByteArray block = QByteArrayLiteral("drover-obscure:") + key.toUtf8();
    while (out.size() < length) {
        block = QCryptographicHash::hash(block, QCryptographicHash::Sha256);
        out += block;
    }
    return out.left(length);
}

QString obscure(const QString &key, const QString &secret)
{
    QByteArray data = secret.toUtf8();
    const QByteArray p = pad(key, int(data.size()));
    for (int i = 0; i < data.size(); ++i)
        data[i] = char(data[i] ^ p[i]);
    return Prefix + QString::fromLatin1(data.toBase64());
}

std::optional<QString> reveal(const QString &key, const QString &stored)
{
    if (!stored.startsWith(Prefix))
        return std::nullopt;
    QByteArray data = QByteArray::fromBase64(stored.mid(Prefix.size()).toLatin1());
    const QByteArray p = pad(key, int(data.size()));
    for (int i = 0; i < data.size(); ++i)
        data[i] = char(data[i] ^ p[i]);
    return QString::fromUtf8(data);
}

// Keys may contain '/', which QSettings reads as groups: percent-encode them.
QString settingsKey(const QString &key)
{
    return SecretsGroup + QLatin1Char('/') + QString::fromLatin1(QUrl::toPercentEncoding(key));
}

} // namespace

SettingsSecretBackend::SettingsSecretBackend(const QString &fileName, QObject *parent)
    : SecretBackend(parent)
    , m_fileName(fileName)
{}

SettingsSecretBackend::~SettingsSecretBackend() = default;

QSettings &SettingsSecretBackend::settings() const
{
    if (!m_settings)
        m_settings = std::make_unique<QSettings>(m_fileName, QSettings::IniFormat);
    return *m_settings;
}

bool SettingsSecretBackend::sync(QString *error)
{
    QSettings &s = settings();
    s.sync();
    if (s.status() != QSettings::NoError) {
        if (error)
            *error = QStringLiteral("Could not write %1.").arg(m_fileName);
        return false;
    }
    // Owner-only, as for ~/.ssh keys: obscured is not protected.
    if (QFileInfo::exists(m_fileName))
        QFile::setPermissions(m_fileName, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

void SettingsSecretBackend::read(const QString &key, Done done)
{
    Result result;
    const QVariant stored = QFileInfo::exists(m_fileName) ? settings().value(settingsKey(key)) : QVariant();
    if (!stored.isValid()) {
        result.status = Status::NotFound;
    } else if (std::optional<QString> secret = reveal(key, stored.toString())) {
        result.secret = *secret;
    } else {
        result = {Status::Failed, {}, QStringLiteral("The secret in %1 is damaged.").arg(m_fileName)};
    }
    finishLater(std::move(done), result);
}

void SettingsSecretBackend::write(const QString &key, const QString &secret, Done done)
{
    Result result;
    if (!writeNow(key, secret, &result.error))
        result.status = Status::Failed;
    finishLater(std::move(done), result);
}

bool SettingsSecretBackend::writeNow(const QString &key, const QString &secret, QString *error)
{
    QDir().mkpath(QFileInfo(m_fileName).absolutePath());
    settings().setValue(settingsKey(key), obscure(key, secret));
    return sync(error);
}

void SettingsSecretBackend::remove(const QString &key, Done done)
{
    Result result;
    if (QFileInfo::exists(m_fileName)) {
        settings().remove(settingsKey(key));
        if (!sync(&result.error))
            result.status = Status::Failed;
    }
    finishLater(std::move(done), result);
}

QString SettingsSecretBackend::description() const
{
    return QStringLiteral("the file %1").arg(m_fileName);
}

bool SettingsSecretBackend::isAllowed() const
{
    return QFileInfo::exists(m_fileName) && settings().value(AllowedKey, false).toBool();
}

void SettingsSecretBackend::setAllowed(bool allowed)
{
    if (allowed) {
        QDir().mkpath(QFileInfo(m_fileName).absolutePath());
        settings().setValue(AllowedKey, true);
        sync(nullptr);
        return;
    }
    // Withdrawn: nothing of it stays on disk.
    m_settings.reset();
    QFile::remove(m_fileName);
}

QHash<QString, QString> SettingsSecretBackend::entries() const
{
    QHash<QString, QString> out;
    if (!QFileInfo::exists(m_fileName))
        return out;
    QSettings &s = settings();
    s.beginGroup(SecretsGroup);
    const QStringList keys = s.childKeys();
    for (const QString &encoded : keys) {
        const QString key = QUrl::fromPercentEncoding(encoded.toLatin1());
        if (std::optional<QString> secret = reveal(key, s.value(encoded).toString()))
            out.insert(key, *secret);
    }
    s.endGroup();
    return out;
}

} // namespace drover::ui
