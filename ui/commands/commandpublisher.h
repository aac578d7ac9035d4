// Connects a CommandComposer to the console's MQTT client: each sendRequested() becomes a
// publish(), and its outcome goes back to showOutcome(). The composer stays free of MQTT
// (its tests use a fake); the window creates one of these per connection.
#pragma once

#include <QObject>
#include <QPointer>

namespace drover::client {
class MqttClient;
}

namespace drover::ui {

class CommandComposer;
struct CommandRequest;

class CommandPublisher : public QObject
{
    Q_OBJECT
public:
    // Neither is owned. Outcomes for a composer that is gone are dropped; if the client
    // goes, commands are answered "not connected".
    CommandPublisher(CommandComposer *composer, client::MqttClient *client, QObject *parent = nullptr);

    void publish(const CommandRequest &request);

private:
    QPointer<CommandComposer> m_composer;
    QPointer<client::MqttClient> m_client;
};

} // namespace drover::ui
