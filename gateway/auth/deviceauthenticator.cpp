#include "deviceauthenticator.h"

#include "registry/deviceregistry.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDeviceAuth, "drover.auth.device")

namespace drover::auth {

using registry::VerifyResult;

DeviceAuthenticator::DeviceAuthenticator(RegistryGetter registry, QObject *parent)
    : Authenticator(parent)
    , m_registry(std::move(registry))
{}

bool DeviceAuthenticator::splitDeviceId(const QByteArray &id, QString *application, QString *device)
{
    const qsizetype at = id.indexOf('@');
    if (at <= 0 || at == id.size() - 1)
        return false;
    *device = QString::fromUtf8(QByteArray::fromPercentEncoding(id.left(at)));
    *application = QString::fromUtf8(id.mid(at + 1));
    return !device->isEmpty() && !application->isEmpty();
}

void DeviceAuthenticator::authenticate(const Credentials &credentials, QObject *context,
                                       std::function<void(const AuthVerdict &)> done)
{
    const auto refuse = [&](const QString &message) {
        if (context && done)
            done(AuthVerdict::refuse(AuthVerdict::Status::BadCredentials, message));
    };
    if (!credentials.username || !credentials.password)
        return refuse(
            QStringLiteral("devices log in with user name <device>@<application> and their password"));

    QString application, device;
    if (!splitDeviceId(*credentials.username, &application, &device)) {
        // Drogue's second form: the user name is the device, the client id says which application.
        QString clientApplication, clientDevice;
        if (!splitDeviceId(credentials.clientId, &clientApplication, &clientDevice) ||
            clientDevice != QString::fromUtf8(*credentials.username))
            return refuse(QStringLiteral("devices log in with user name <device>@<application>, or user name "
                                         "<device> and client id <device>@<application>"));
        application = clientApplication;
        device = clientDevice;
    }
    const std::shared_ptr<const registry::DeviceRegistry> registry = m_registry();
    registry->verifyPassword(
        application, device, *credentials.password, context,
        [registry, application, device, done = std::move(done)](VerifyResult result) {
            switch (result) {
            case VerifyResult::Ok: {
                Identity identity = Identity::ofDevice(application, device);
                identity.credential = credentialOf(identity.user); // ended if the registry drops it
                return done(AuthVerdict::accept(identity));
            }
            case VerifyResult::Disabled:
                return done(
                    AuthVerdict::refuse(AuthVerdict::Status::NotAuthorized,
                                        QStringLiteral("device %1@%2 is disabled").arg(device, application)));
            case VerifyResult::UnknownApplication:
            case VerifyResult::UnknownDevice:
            case VerifyResult::NoPasswordSet:
            case VerifyResult::BadPassword:
                break;
            }
            // One answer to the client for every other failure, so it doesn't tell which devices
            // exist; the log says which it was (never the password).
            qCInfo(lcDeviceAuth).noquote() << "device" << device + QLatin1Char('@') + application
                                           << "refused:" << registry::verifyResultName(result);
            done(AuthVerdict::refuse(AuthVerdict::Status::BadCredentials,
                                     QStringLiteral("bad user name or password")));
        });
}

void DeviceAuthenticator::registryReplaced(const registry::DeviceRegistry &before,
                                           const registry::DeviceRegistry &after)
{
    const QStringList devices = before.revokedBy(after);
    if (devices.isEmpty())
        return;
    qCInfo(lcDeviceAuth).noquote() << "devices removed, disabled or given a new password:"
                                   << devices.join(QLatin1String(", ")) << "- their connections are ended";
    QStringList credentials;
    for (const QString &device : devices)
        credentials.append(credentialOf(device));
    Q_EMIT credentialsRevoked(credentials, QStringLiteral("was removed, disabled or given a new password"));
}

} // namespace drover::auth
