// A simulated thermostat, and an ordinary MQTT client of a device endpoint: it logs in with
// its credentials, publishes temperature and humidity on channel `state` and obeys the
// commands of its inbox, acknowledging each (a refusal is a negative PUBACK with a reason).
// The demo runs it in-process; drover-sim runs many against any endpoint. Either way the
// whole path is the real one: login, device endpoint, event log, command bus, inbox.
#pragma once

#include "latencyhistogram.h"

#include "client/mqttclient.h"

#include <QElapsedTimer>
#include <QObject>
#include <QRandomGenerator>
#include <QTimer>

namespace drover::demo {

class DemoDevice : public QObject
{
    Q_OBJECT
public:
    struct Settings {
        double eventsPerSecond = 1.0; // 0: as fast as the endpoint takes them (load tests)
        mqtt::QoS qos = mqtt::QoS::AtLeastOnce;
    };
    struct Counters {
        quint64 published = 0; // events handed to the client
        quint64 accepted = 0;  // QoS 1: PUBACK success; QoS 0: written
        quint64 refused = 0;   // negative PUBACK or lost with the connection
        quint64 skipped = 0;   // ticks with no room to publish (the endpoint is slower)
        quint64 commands = 0;  // commands obeyed
        quint64 commandsRefused = 0;
        quint64 connects = 0;
    };

    // `options` carry the device's credentials; `transport` makes its connections.
    DemoDevice(QString name, const client::ClientOptions &options,
               client::MqttClient::TransportFactory transport, Settings settings, QObject *parent = nullptr);

    const QString &name() const { return m_name; }
    // Connects (and reconnects, with backoff) and publishes while connected.
    void start();
    // Stops publishing, waits (at most `graceMs`) for the events in flight to be
    // acknowledged, then disconnects; stopped() follows.
    void stop(int graceMs = 3000);

    client::MqttClient *client() { return &m_client; }
    bool isConnected() const { return m_client.state() == client::MqttClient::State::Connected; }
    const Counters &counters() const { return m_counters; }
    // PUBACK round trips of QoS 1 events (or write times at QoS 0), in microseconds.
    const LatencyHistogram &latencies() const { return m_latencies; }

    // What the thermostat does with a command: Success, or why not.
    //   setTemperature {"value": 21.5}: the temperature moves to the value at once, then
    //     drifts around it (-50 .. 100);
    //   set-interval {"value": 0.5}: seconds between events (0.001 .. 3600).
    struct Verdict {
        mqtt::ReasonCode code = mqtt::ReasonCode::Success;
        QString reason;
    };
    Verdict obey(const QString &command, const QByteArray &payload);

Q_SIGNALS:
    // The endpoint refused the device's login (and it stopped trying).
    void refused(const QString &reason);
    // Connected and subscribed to its command inbox: commands reach it from now on.
    void ready();
    void stopped();

private:
    void onConnected();
    void onMessage(const mqtt::PublishPacket &message);
    void tick();
    void publishState();
    void publishFreely();
    QByteArray nextState();

    QString m_name;
    Settings m_settings;
    client::MqttClient m_client;
    QTimer m_timer;
    QRandomGenerator m_random;
    double m_temperature;
    double m_target;
    double m_humidity;
    quint64 m_sequence = 0;
    QString m_lastCommand;
    Counters m_counters;
    LatencyHistogram m_latencies;
    QElapsedTimer m_clock;
    void finishStopping();

    bool m_running = false;
    bool m_stopping = false;
};

} // namespace drover::demo
