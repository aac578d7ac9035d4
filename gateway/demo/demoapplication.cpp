#include "demoapplication.h"

namespace drover::demo {

DemoApplication::DemoApplication(const QString &application, const QStringList &devices,
                                 const QByteArray &password, DemoDevice::Settings settings,
                                 Connector connector, QObject *parent)
    : QObject(parent)
    , m_application(application)
{
    for (const QString &name : devices) {
        client::ClientOptions options;
        options.version = mqtt::ProtocolVersion::V5;
        options.clientId = (name + QLatin1Char('@') + application).toUtf8();
        options.username = options.clientId;
        options.password = password;
        options.keepAliveSeconds = 60;
        options.autoReconnect = true;
        options.reconnectMinMs = 200;
        options.reconnectMaxMs = 5000;
        auto *device = new DemoDevice(name, options, connector(name), settings, this);
        connect(device, &DemoDevice::ready, this, [this] {
            if (m_waiting > 0 && --m_waiting == 0)
                Q_EMIT ready();
        });
        m_devices.append(device);
    }
    m_waiting = int(m_devices.size());
}

void DemoApplication::start()
{
    if (m_devices.isEmpty()) // nothing to wait for
        QMetaObject::invokeMethod(this, &DemoApplication::ready, Qt::QueuedConnection);
    for (DemoDevice *device : std::as_const(m_devices))
        device->start();
}

} // namespace drover::demo
