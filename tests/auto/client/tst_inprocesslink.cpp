// The in-process link on its own: the TCP-like semantics the session layer's back-pressure
// and the client rely on (queued and coalesced notifications, bytesToWrite/bytesWritten,
// pausing, close after data, abort, either end destroyed first).
#include "transport/inprocesslink.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTest>

using namespace drover;
using transport::InProcessLink;

namespace {

// Records the order of an end's signals.
class Recorder : public QObject
{
public:
    explicit Recorder(QObject *end)
    {
        const auto log = [this](const char *what) {
            return [this, what] { events.append(QString::fromLatin1(what)); };
        };
        if (auto *server = qobject_cast<session::ClientSocket *>(end)) {
            connect(server, &session::ClientSocket::readyRead, this, log("readyRead"));
            connect(server, &session::ClientSocket::bytesWritten, this, log("bytesWritten"));
            connect(server, &session::ClientSocket::disconnected, this, log("disconnected"));
        } else if (auto *client = qobject_cast<client::ClientTransport *>(end)) {
            connect(client, &client::ClientTransport::connected, this, log("connected"));
            connect(client, &client::ClientTransport::readyRead, this, log("readyRead"));
            connect(client, &client::ClientTransport::bytesWritten, this, log("bytesWritten"));
            connect(client, &client::ClientTransport::disconnected, this, log("disconnected"));
            connect(client, &client::ClientTransport::errorOccurred, this,
                    [this](const QString &message) { events.append(QStringLiteral("error: ") + message); });
        }
    }
    int count(const QString &event) const { return int(events.count(event)); }

    QStringList events;
};

QByteArray readAll(session::ClientSocket *end)
{
    QByteArray out(int(end->bytesAvailable()), Qt::Uninitialized);
    out.resize(int(end->read(out.data(), out.size())));
    return out;
}

QByteArray readAll(client::ClientTransport *end)
{
    QByteArray out(int(end->bytesAvailable()), Qt::Uninitialized);
    out.resize(int(end->read(out.data(), out.size())));
    return out;
}

// Lets every queued notification run (they are posted events, not timers).
void drain()
{
    for (int i = 0; i < 5; ++i)
        QCoreApplication::processEvents();
}

} // namespace

class TestInProcessLink : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void describesItself();
    void openEmitsConnectedQueued();
    void noSignalsBeforeOpen();
    void writesCoalesceIntoOneReadyRead();
    void bytesToWriteFollowsThePeersReading();
    void pausedServerEndHoldsData();
    void closeDeliversDataThenDisconnected();
    void closeFromClientReachesServer();
    void abortDropsData();
    void destroyingServerEndFirst();
    void destroyingClientEndFirst();
    void destroyedAfterCloseKeepsLastBytes();
    void destroyedWithNotificationsPending();
    void openAfterServerEndIsGone();
    void connectorHandsServerEndOver();
};

void TestInProcessLink::describesItself()
{
    const auto ends = InProcessLink::create(QStringLiteral("device-1"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    QCOMPARE(server->peerDescription(), QStringLiteral("in-process device-1"));
    QCOMPARE(client->describe(), QStringLiteral("in-process device-1"));
}

void TestInProcessLink::openEmitsConnectedQueued()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    Recorder events(client.get());
    client->open();
    QVERIFY(events.events.isEmpty()); // never from inside open()
    QTRY_COMPARE(events.events, QStringList{QStringLiteral("connected")});
}

void TestInProcessLink::noSignalsBeforeOpen()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    Recorder events(client.get());
    server->write("early");
    drain();
    QVERIFY(events.events.isEmpty());
    client->open();
    QTRY_COMPARE(events.events, (QStringList{QStringLiteral("connected"), QStringLiteral("readyRead")}));
    QCOMPARE(readAll(client.get()), QByteArray("early"));
}

void TestInProcessLink::writesCoalesceIntoOneReadyRead()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    Recorder serverEvents(server.get());
    Recorder clientEvents(client.get());

    client->write("a");
    client->write("bc");
    client->write("def");
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 0); // queued, not re-entrant
    QCOMPARE(server->bytesAvailable(), 6);
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 1);
    QCOMPARE(readAll(server.get()), QByteArray("abcdef"));

    server->write("x");
    server->write("y");
    drain();
    QCOMPARE(clientEvents.count(QStringLiteral("readyRead")), 1);
    QCOMPARE(readAll(client.get()), QByteArray("xy"));
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 1); // nothing new, nothing emitted
}

void TestInProcessLink::bytesToWriteFollowsThePeersReading()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    Recorder serverEvents(server.get());

    const QByteArray block(100000, 'x');
    server->write(block);
    server->write(block);
    QCOMPARE(server->bytesToWrite(), 200000);
    QCOMPARE(client->bytesToWrite(), 0);
    QCOMPARE(client->bytesAvailable(), 200000);

    // The reader takes some: the writer's queue shrinks by as much, and it hears about it
    // once, from the event loop.
    char buffer[30000];
    QCOMPARE(client->read(buffer, sizeof buffer), qint64(sizeof buffer));
    QCOMPARE(client->read(buffer, sizeof buffer), qint64(sizeof buffer));
    QCOMPARE(server->bytesToWrite(), 140000);
    QCOMPARE(serverEvents.count(QStringLiteral("bytesWritten")), 0);
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("bytesWritten")), 1);

    QCOMPARE(readAll(client.get()).size(), 140000);
    QCOMPARE(server->bytesToWrite(), 0);
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("bytesWritten")), 2);
    // A slow reader holds the writer above a high-water mark until it reads.
    server->write(QByteArray(600 * 1024, 'y'));
    QVERIFY(server->bytesToWrite() > 512 * 1024);
}

void TestInProcessLink::pausedServerEndHoldsData()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    Recorder serverEvents(server.get());

    server->setReadPaused(true);
    client->write("held");
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 0);
    QCOMPARE(server->bytesAvailable(), 0);
    QCOMPARE(client->bytesToWrite(), 4); // not read: still counts against the writer

    server->setReadPaused(false);
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 0); // queued
    QCOMPARE(server->bytesAvailable(), 4);
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 1);
    QCOMPARE(readAll(server.get()), QByteArray("held"));

    // Unpausing with nothing waiting announces nothing.
    server->setReadPaused(true);
    server->setReadPaused(false);
    drain();
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 1);
}

void TestInProcessLink::closeDeliversDataThenDisconnected()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    Recorder serverEvents(server.get());
    QByteArray received;
    QStringList clientEvents;
    connect(client.get(), &client::ClientTransport::readyRead, this, [&] {
        clientEvents.append(QStringLiteral("readyRead"));
        received += readAll(client.get());
    });
    connect(client.get(), &client::ClientTransport::disconnected, this,
            [&] { clientEvents.append(QStringLiteral("disconnected")); });

    server->write("last words");
    server->close();
    server->write("after close"); // dropped, as on a closed socket
    client->write("unheard");     // the closed end reads no more
    QVERIFY(clientEvents.isEmpty());
    QTRY_COMPARE(clientEvents, (QStringList{QStringLiteral("readyRead"), QStringLiteral("disconnected")}));
    QCOMPARE(received, QByteArray("last words"));
    QTRY_COMPARE(serverEvents.count(QStringLiteral("disconnected")), 1);
    QCOMPARE(serverEvents.count(QStringLiteral("readyRead")), 0);
    drain();
    QCOMPARE(clientEvents.size(), 2); // disconnected is the last signal, and only once
    QCOMPARE(serverEvents.count(QStringLiteral("disconnected")), 1);
}

void TestInProcessLink::closeFromClientReachesServer()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    QByteArray received;
    QStringList serverEvents;
    connect(server.get(), &session::ClientSocket::readyRead, this, [&] {
        serverEvents.append(QStringLiteral("readyRead"));
        received += readAll(server.get());
    });
    connect(server.get(), &session::ClientSocket::disconnected, this,
            [&] { serverEvents.append(QStringLiteral("disconnected")); });
    Recorder clientEvents(client.get());

    client->write("DISCONNECT");
    client->close();
    QTRY_COMPARE(serverEvents, (QStringList{QStringLiteral("readyRead"), QStringLiteral("disconnected")}));
    QCOMPARE(received, QByteArray("DISCONNECT"));
    QTRY_COMPARE(clientEvents.count(QStringLiteral("disconnected")), 1);
}

void TestInProcessLink::abortDropsData()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    Recorder serverEvents(server.get());
    Recorder clientEvents(client.get());

    server->write("lost");
    client->write("lost too");
    server->abort();
    QCOMPARE(client->bytesAvailable(), 0);
    QCOMPARE(server->bytesToWrite(), 0);
    QTRY_COMPARE(clientEvents.events, QStringList{QStringLiteral("disconnected")});
    QTRY_COMPARE(serverEvents.events, QStringList{QStringLiteral("disconnected")});
}

void TestInProcessLink::destroyingServerEndFirst()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    Recorder clientEvents(client.get());
    ends.server->write("gone with it");
    delete ends.server; // destroyed without close: like an aborted socket
    QTRY_COMPARE(clientEvents.events, QStringList{QStringLiteral("disconnected")});
    // The survivor is safe to use.
    client->write("nobody listens");
    QCOMPARE(client->bytesToWrite(), 0);
    QCOMPARE(client->bytesAvailable(), 0);
    char c;
    QCOMPARE(client->read(&c, 1), 0);
    client->close();
    client->abort();
    drain();
    QCOMPARE(clientEvents.events.size(), 1);
}

void TestInProcessLink::destroyingClientEndFirst()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<session::ClientSocket> server(ends.server);
    ends.client->open();
    drain();
    Recorder serverEvents(server.get());
    ends.client->write("half a packet");
    delete ends.client;
    QTRY_COMPARE(serverEvents.events, QStringList{QStringLiteral("disconnected")});
    QCOMPARE(server->bytesAvailable(), 0);
    server->write("nobody listens");
    QCOMPARE(server->bytesToWrite(), 0);
    server->setReadPaused(true);
    server->setReadPaused(false);
    server->close();
    drain();
    QCOMPARE(serverEvents.events.size(), 1);
}

void TestInProcessLink::destroyedAfterCloseKeepsLastBytes()
{
    // What the session layer does: close() after its last packet, then the connection
    // (and its socket) is deleted before the client has read anything.
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<client::ClientTransport> client(ends.client);
    client->open();
    drain();
    QByteArray received;
    QStringList clientEvents;
    connect(client.get(), &client::ClientTransport::readyRead, this, [&] {
        clientEvents.append(QStringLiteral("readyRead"));
        received += readAll(client.get());
    });
    connect(client.get(), &client::ClientTransport::disconnected, this,
            [&] { clientEvents.append(QStringLiteral("disconnected")); });
    ends.server->write("DISCONNECT 0x8B");
    ends.server->close();
    delete ends.server;
    QTRY_COMPARE(clientEvents, (QStringList{QStringLiteral("readyRead"), QStringLiteral("disconnected")}));
    QCOMPARE(received, QByteArray("DISCONNECT 0x8B"));
}

void TestInProcessLink::destroyedWithNotificationsPending()
{
    // Queued notifications for an end that is gone are dropped; the state lives on for the
    // other end. Run under ASan this shows there is no dangling access.
    {
        const auto ends = InProcessLink::create(QStringLiteral("l"));
        ends.client->open();
        ends.server->write("pending readyRead");
        ends.client->write("pending readyRead");
        delete ends.client;
        delete ends.server;
    }
    {
        const auto ends = InProcessLink::create(QStringLiteral("l"));
        ends.client->open();
        drain();
        ends.server->write("data");
        char buffer[2];
        ends.client->read(buffer, 2); // bytesWritten pending on the server end
        ends.client->close();         // disconnected pending on both
        QPointer<session::ClientSocket> server(ends.server);
        connect(ends.client, &client::ClientTransport::disconnected, ends.client, [&] {
            delete ends.client; // deleting itself and its peer from its own signal
            delete server.data();
        });
        QTRY_VERIFY(!server);
    }
    drain();
}

void TestInProcessLink::openAfterServerEndIsGone()
{
    const auto ends = InProcessLink::create(QStringLiteral("l"));
    std::unique_ptr<client::ClientTransport> client(ends.client);
    delete ends.server;
    Recorder events(client.get());
    client->open();
    QVERIFY(events.events.isEmpty());
    QTRY_COMPARE(events.events.size(), 2);
    QVERIFY2(events.events.at(0).startsWith(QStringLiteral("error: in-process l:")),
             qPrintable(events.events.at(0)));
    QCOMPARE(events.events.at(1), QStringLiteral("disconnected"));
    drain();
    QCOMPARE(events.events.size(), 2);
}

void TestInProcessLink::connectorHandsServerEndOver()
{
    // Without a server the factory still makes a transport, which then fails to open.
    const client::MqttClient::TransportFactory factory =
        InProcessLink::connector(nullptr, QStringLiteral("x"));
    std::unique_ptr<client::ClientTransport> client(factory());
    QVERIFY(client);
    Recorder events(client.get());
    client->open();
    QTRY_COMPARE(events.events.size(), 2);
    QVERIFY(events.events.at(0).startsWith(QStringLiteral("error: ")));
}

QTEST_GUILESS_MAIN(TestInProcessLink)
#include "tst_inprocesslink.moc"
