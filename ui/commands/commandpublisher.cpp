#include "commandpublisher.h"

#include "commandcomposer.h"

#include "client/mqttclient.h"

namespace drover::ui {

CommandPublisher::CommandPublisher(CommandComposer *composer, client::MqttClient *client, QObject *parent)
    : QObject(parent)
    , m_composer(composer)
    , m_client(client)
{
    connect(composer, &CommandComposer::sendRequested, this, &CommandPublisher::publish);
}

void CommandPublisher::publish(const CommandRequest &request)
{
    if (!m_composer)
        return;
    const quint64 id = request.id;
    if (!m_client) {
        m_composer->showOutcome(id,
                                {false, mqtt::ReasonCode::UnspecifiedError, QStringLiteral("not connected")});
        return;
    }
    // The composer explains a connection loss differently for 3.1.1, which refuses that way.
    m_composer->setProtocolVersion(m_client->options().version);
    // The composer is the context: its callback is dropped if it is destroyed first.
    m_client->publish(request.packet(), m_composer,
                      [composer = m_composer, id](const client::PublishOutcome &outcome) {
                          if (composer)
                              composer->showOutcome(id, outcome);
                      });
}

} // namespace drover::ui
