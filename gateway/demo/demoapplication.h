// The demo application: a few simulated devices that publish into the event log and take
// commands from the embedded command bus.
#pragma once

#include "demodevice.h"

#include <QList>
#include <QObject>

namespace drover::backend {
class EmbeddedCommandBus;
}

namespace drover::demo {

class DemoApplication : public QObject
{
    Q_OBJECT
public:
    DemoApplication(const QString &application, int devices, double eventsPerSecond,
                    backend::EventLog *events, backend::EmbeddedCommandBus *commands,
                    const QByteArray &instance, QObject *parent = nullptr);
    ~DemoApplication() override;

    void start();
    const QList<DemoDevice *> &devices() const { return m_devices; }
    const QString &application() const { return m_application; }

private:
    QString m_application;
    backend::EmbeddedCommandBus *m_commands;
    cloudevents::DeviceEventFactory m_factory;
    QList<DemoDevice *> m_devices;
};

} // namespace drover::demo
