// Shared by the transport tests (WebSockets, TLS): the integration API of application "test"
// (anonymous read and command) on the embedded backend, a real MqttServer for listeners of
// any kind to serve, and devices attached to its command bus. A fixture derives from it and
// adds its listeners, which, as members of the derived class, go before the server does.
#pragma once

#include "auth/accesspolicy.h"
#include "auth/credentialauthenticator.h"
#include "backend/commandreceiver.h"
#include "backend/embeddedcommandbus.h"
#include "backend/embeddedeventlog.h"
#include "cloudevents/deviceeventfactory.h"
#include "session/mqttserver.h"

#include <memory>
#include <utility>
#include <vector>

namespace drover::test {

// A device attached to the command bus: takes every command at once, or holds the
// acknowledgements until the test releases them.
class TestDevice : public backend::CommandReceiver
{
public:
    void receiveCommand(const backend::Command &command, Done done) override
    {
        received.append(command);
        if (hold)
            held.append(std::move(done));
        else
            done(backend::CommandResult{});
    }
    void releaseAll()
    {
        while (!held.isEmpty())
            held.takeFirst()(backend::CommandResult{});
    }

    bool hold = false;
    QList<backend::Command> received;
    QList<Done> held;
};

class TestApplication
{
public:
    explicit TestApplication(const session::ServerLimits &limits = {})
    {
        events = std::make_unique<backend::EmbeddedEventLog>(backend::RetentionLimits{});
        commands = std::make_unique<backend::EmbeddedCommandBus>();
        // No token or key verifier: every client is anonymous, and "test" lets them in.
        authenticator = std::make_unique<auth::CredentialAuthenticator>();
        policy = std::make_unique<auth::AccessPolicy>();
        policy->setApplication(QStringLiteral("test"), {true, true});
        session::ServerContext context;
        context.events = events.get();
        context.commands = commands.get();
        context.authenticator = authenticator.get();
        context.policy = policy.get();
        context.limits = limits;
        server = std::make_unique<session::MqttServer>(context);
    }
    ~TestApplication()
    {
        for (auto &[name, device] : devices)
            commands->detach(QStringLiteral("test"), name, device.get());
    }

    void publishEvent(const QByteArray &device, const QByteArray &json)
    {
        const cloudevents::DeviceEventFactory factory("test-instance");
        const auto event = factory.create({"test", device, {}, "state", json, "application/json"});
        if (!event) {
            qWarning("no event");
            return;
        }
        events->publish(*event, nullptr, [](const backend::PublishResult &result) {
            if (!result.accepted())
                qWarning("event refused: %s", qPrintable(result.message));
        });
    }

    TestDevice *attachDevice(const QString &device)
    {
        devices.emplace_back(device, std::make_unique<TestDevice>());
        commands->attach(QStringLiteral("test"), device, devices.back().second.get());
        return devices.back().second.get();
    }

    std::unique_ptr<backend::EmbeddedEventLog> events;
    std::unique_ptr<backend::EmbeddedCommandBus> commands;
    std::unique_ptr<auth::CredentialAuthenticator> authenticator;
    std::unique_ptr<auth::AccessPolicy> policy;
    std::unique_ptr<session::MqttServer> server;
    std::vector<std::pair<QString, std::unique_ptr<TestDevice>>> devices;
};

} // namespace drover::test
