#include "demoapplication.h"

#include "backend/embeddedcommandbus.h"

namespace drover::demo {

DemoApplication::DemoApplication(const QString &application, int devices, double eventsPerSecond,
                                 backend::EventLog *events, backend::EmbeddedCommandBus *commands,
                                 const QByteArray &instance, QObject *parent)
    : QObject(parent)
    , m_application(application)
    , m_commands(commands)
    , m_factory(instance)
{
    for (int i = 1; i <= devices; ++i) {
        auto *device = new DemoDevice(application, QStringLiteral("device-%1").arg(i), eventsPerSecond,
                                      events, &m_factory, this);
        m_commands->attach(application, device->name(), device);
        m_devices.append(device);
    }
}

DemoApplication::~DemoApplication()
{
    for (DemoDevice *device : std::as_const(m_devices))
        m_commands->detach(m_application, device->name(), device);
}

void DemoApplication::start()
{
    for (DemoDevice *device : std::as_const(m_devices))
        device->start();
}

} // namespace drover::demo
