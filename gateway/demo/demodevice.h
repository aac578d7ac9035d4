// A simulated thermostat: reports temperature and humidity on channel `state` and obeys
// commands, so a demo shows the whole loop (events out, command in, effect in later events).
#pragma once

#include "backend/commandreceiver.h"
#include "cloudevents/deviceeventfactory.h"

#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

namespace drover::backend {
class EventLog;
}

namespace drover::demo {

class DemoDevice : public QObject, public backend::CommandReceiver
{
    Q_OBJECT
public:
    DemoDevice(QString application, QString name, double eventsPerSecond, backend::EventLog *events,
               const cloudevents::DeviceEventFactory *factory, QObject *parent = nullptr);

    const QString &name() const { return m_name; }
    void start();

    // setTemperature {"value": 21.5}: the temperature moves to the value at once, then
    //   drifts around it.
    // set-interval {"value": 0.5}: seconds between events (0.001 .. 3600).
    void receiveCommand(const backend::Command &command, Done done) override;
    backend::CommandResult obey(const backend::Command &command);

private:
    void emitState();

    QString m_application;
    QString m_name;
    backend::EventLog *m_events;
    const cloudevents::DeviceEventFactory *m_factory;
    QTimer m_timer;
    QRandomGenerator m_random;
    double m_temperature;
    double m_target;
    double m_humidity;
    quint64 m_sequence = 0;
    QString m_lastCommand;
};

} // namespace drover::demo
