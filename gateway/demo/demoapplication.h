// The demo application: a few simulated thermostats that connect to the device endpoint
// as ordinary devices of the application (in-process, through the same session code as
// any MQTT device), publish their state and obey commands.
#pragma once

#include "demodevice.h"

#include <QList>
#include <QObject>

namespace drover::demo {

class DemoApplication : public QObject
{
    Q_OBJECT
public:
    // Makes the connections of one device.
    using Connector = std::function<client::MqttClient::TransportFactory(const QString &device)>;

    // One DemoDevice per name, logging in as <name>@<application> with `password`.
    DemoApplication(const QString &application, const QStringList &devices, const QByteArray &password,
                    DemoDevice::Settings settings, Connector connector, QObject *parent = nullptr);

    void start();
    const QList<DemoDevice *> &devices() const { return m_devices; }
    const QString &application() const { return m_application; }

Q_SIGNALS:
    // Every device is connected and listens for commands (emitted once).
    void ready();

private:
    QString m_application;
    QList<DemoDevice *> m_devices;
    int m_waiting = 0; // devices not ready yet
};

} // namespace drover::demo
