// The console's connection to one gateway: an MqttClient that it keeps connected (fresh
// credentials before every attempt, backoff between them), the subscriptions of its tabs
// and the routing of each received event to the tabs that asked for it.
#pragma once

#include "eventsubscription.h"

#include "client/mqttclient.h"
#include "events/attributeinterner.h"
#include "events/receivedevent.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>
#include <functional>
#include <optional>

namespace drover::ui {

// What to log in with, made fresh for each connection attempt (an OAuth2 access token is
// refreshed first). Never logged.
struct ConnectCredentials {
    std::optional<QByteArray> username;
    std::optional<QByteArray> password;
};

class ConsoleConnection : public QObject
{
    Q_OBJECT
public:
    // Calls back once with the credentials, or with an error in plain words when there are
    // none (login required): then the connection stops trying until open() is called again.
    using CredentialsCallback = std::function<void(const ConnectCredentials &, const QString &error)>;
    using CredentialsProvider = std::function<void(QObject *context, CredentialsCallback)>;

    struct Target {
        QString description; // "embedded gateway", "mqtts://broker.example:8883"
        client::MqttClient::TransportFactory transport;
        mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V5;
        QByteArray clientId;             // empty: one is made up ("drover-console-<random>")
        CredentialsProvider credentials; // null: anonymous
    };

    enum class State {
        Offline,       // not asked to connect, or closed
        Connecting,    // an attempt is under way
        Online,        // connected
        Reconnecting,  // lost or failed; the next attempt is scheduled
        Refused,       // the server refused the login: no retry until open()
        LoginRequired, // no credentials (the token could not be refreshed)
    };
    Q_ENUM(State)

    explicit ConsoleConnection(Target target, QObject *parent = nullptr);
    ~ConsoleConnection() override;

    const Target &target() const { return m_target; }
    client::MqttClient *client() { return &m_client; }
    State state() const { return m_state; }
    // The state in plain words, for the status bar.
    QString statusText() const;
    mqtt::ProtocolVersion version() const { return m_target.version; }

    // Connects and stays connected (reconnecting with backoff) until close().
    void open();
    void close();

    // Subscribes for a tab; returns its id (> 0). Deliveries come as eventsReceived(id, ...).
    // Resubscribed after reconnects by the client; a refusal comes as subscriptionRefused.
    // A tab whose filter another tab has already shares that subscription (and its events);
    // with other options (content mode, QoS, start) it is refused, as MQTT can't have both.
    int subscribe(const EventSubscription &subscription);
    void unsubscribe(int id);

    // Publishes a command; `done` as for MqttClient::publish.
    void publish(mqtt::PublishPacket message, QObject *context, client::MqttClient::PublishDone done);

    // Events per second over the last second, and received in all.
    double eventsPerSecond() const { return m_rate; }
    quint64 receivedCount() const { return m_received; }

Q_SIGNALS:
    void stateChanged(drover::ui::ConsoleConnection::State state);
    // Decoded events of subscription `id`, a batch per event-loop turn at most.
    void eventsReceived(int id, const QList<drover::ui::ReceivedEvent> &events);
    void subscriptionRefused(int id, const QString &reason);
    // Messages that are not CloudEvents (counted, with the reason of the last one).
    void undecodable(const QString &reason);
    void statsChanged();

private:
    // One MQTT subscription. Tabs with the same filter share it: a session can hold a
    // filter once, and a second SUBSCRIBE would only replace the first (MQTT-3.8.4-3).
    struct Subscription {
        EventSubscription subscription;
        QByteArray matchFilter; // the filter without $share/<group>/, to match topics
        QList<int> tabs;
        QList<ReceivedEvent> pending;
        bool requested = false; // handed to the client (which resubscribes it after reconnects)
    };

    void attempt();
    void scheduleReconnect(const QString &why);
    void setState(State state, const QString &detail = {});
    void onMessage(const mqtt::PublishPacket &message);
    void flushPending();
    void sendSubscribe(int id);

    Target m_target;
    client::MqttClient m_client;
    State m_state = State::Offline;
    QString m_detail; // why the state is what it is
    bool m_wanted = false;
    int m_attempt = 0;
    QTimer m_reconnectTimer;
    QHash<int, Subscription> m_subscriptions; // by subscription identifier
    QHash<int, int> m_subscriptionOfTab;
    int m_nextId = 1;
    bool m_flushScheduled = false;
    bool m_subscriptionIds = true; // the server routes by subscription identifier (v5)
    quint64 m_received = 0;
    quint64 m_receivedAtLastTick = 0;
    double m_rate = 0;
    QTimer m_statsTimer;
    QElapsedTimer m_statsClock;
    quint64 m_generation = 0;     // guards credential callbacks of an earlier attempt
    AttributeInterner m_interner; // one copy of the values that repeat across events
};

} // namespace drover::ui
