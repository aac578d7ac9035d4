#include "inprocesslink.h"

#include "session/mqttserver.h"

#include <QLoggingCategory>
#include <QPointer>
#include <cstring>
#include <functional>
#include <memory>

Q_LOGGING_CATEGORY(lcInProcess, "drover.transport.inprocess")

namespace drover::transport {

namespace {

enum Side {
    ServerSide = 0,
    ClientSide = 1
};

// What the shared state needs from an end, whichever QObject base class it has.
class LinkEnd
{
public:
    virtual ~LinkEnd() = default;
    virtual QObject *object() = 0;
    virtual void notifyConnected() {}
    virtual void notifyError(const QString &) {}
    virtual void notifyReadyRead() = 0;
    virtual void notifyBytesWritten() = 0;
    virtual void notifyDisconnected() = 0;
};

// Everything both ends see. Each end holds it by shared_ptr and is known to it only by a
// pointer the end clears when it is destroyed. Every notification is a queued call on the
// end's QObject, so it is dropped when the end goes away, and it holds the state itself so
// that the state outlives whatever the notified code does (even deleting both ends).
class LinkState : public std::enable_shared_from_this<LinkState>
{
public:
    explicit LinkState(QString name)
        : m_name(std::move(name))
    {}

    const QString &name() const { return m_name; }

    void attach(int side, LinkEnd *end, bool active)
    {
        m_ends[side].end = end;
        m_ends[side].active = active;
    }

    // The end is being destroyed: a link it had not closed is aborted.
    void detach(int side)
    {
        End &e = m_ends[side];
        e.end = nullptr; // first: nothing is posted to the end being destroyed
        if (m_open)
            abort(side);
        e.inbound.clear();
        e.readPos = 0;
    }

    qint64 unread(int side) const { return m_ends[side].inbound.size() - m_ends[side].readPos; }
    qint64 bytesAvailable(int side) const { return m_ends[side].paused ? 0 : unread(side); }
    qint64 bytesToWrite(int side) const { return m_ends[1 - side].end ? unread(1 - side) : 0; }

    void write(int side, const QByteArray &data)
    {
        End &peer = m_ends[1 - side];
        if (!m_open || data.isEmpty() || !peer.end)
            return; // like writing to a closed socket: the bytes go nowhere
        if (unread(1 - side) == 0) {
            peer.inbound = data; // shares the bytes: no copy
            peer.readPos = 0;
        } else {
            peer.inbound.append(data);
        }
        scheduleReadyRead(1 - side);
    }

    qint64 read(int side, char *data, qint64 maxSize)
    {
        End &e = m_ends[side];
        const qint64 n = std::max<qint64>(0, std::min(maxSize, unread(side)));
        if (n == 0)
            return 0;
        std::memcpy(data, e.inbound.constData() + e.readPos, size_t(n));
        e.readPos += n;
        if (e.readPos == e.inbound.size()) {
            e.inbound.clear(); // releases the memory of a burst once it is read
            e.readPos = 0;
        } else if (e.readPos >= 64 * 1024 && e.readPos * 2 >= e.inbound.size()) {
            e.inbound.remove(0, e.readPos); // each byte moved at most once on average
            e.readPos = 0;
        }
        scheduleBytesWritten(1 - side);
        return n;
    }

    void setPaused(int side, bool paused)
    {
        m_ends[side].paused = paused;
        if (!paused && unread(side) > 0)
            scheduleReadyRead(side);
    }

    void close(int side)
    {
        m_ends[side].active = true; // a transport never opened still reports its end
        if (!m_open)
            return; // already ended: both ends have their disconnected() on the way
        m_open = false;
        // The closing end reads no more; what it wrote stays for the peer, which hears
        // readyRead() for it before disconnected(), as TCP delivers data before FIN.
        m_ends[side].inbound.clear();
        m_ends[side].readPos = 0;
        scheduleDisconnected(side);
        scheduleDisconnected(1 - side);
    }

    void abort(int side)
    {
        m_ends[side].active = true;
        m_open = false;
        for (End &e : m_ends) {
            e.inbound.clear();
            e.readPos = 0;
        }
        scheduleDisconnected(side);
        scheduleDisconnected(1 - side);
    }

    // The client end's open(): the pair is connected already, unless the server end is gone.
    void open(int side)
    {
        End &e = m_ends[side];
        if (e.active) {
            qCWarning(lcInProcess).noquote() << "in-process" << m_name << "opened twice";
            return;
        }
        e.active = true;
        const bool up = m_open && m_ends[1 - side].end;
        post(side, [side](LinkState &s) {
            End &end = s.m_ends[side];
            if (end.disconnectEmitted)
                return;
            if (!s.m_open || !s.m_ends[1 - side].end) {
                end.end->notifyError(QStringLiteral("in-process %1: the server end is closed").arg(s.m_name));
                if (s.m_ends[side].end)
                    s.deliverDisconnected(side);
                return;
            }
            end.end->notifyConnected();
            if (s.m_ends[side].end && s.unread(side) > 0)
                s.scheduleReadyRead(side);
        });
        if (!up)
            m_ends[side].disconnectScheduled = true; // reported by the call above
    }

private:
    struct End {
        LinkEnd *end = nullptr; // null once destroyed
        QByteArray inbound;     // written by the peer, not yet read here
        qsizetype readPos = 0;
        bool paused = false;
        bool active = true; // may emit: the client end only once opened (or closed)
        bool readyReadPending = false;
        bool bytesWrittenPending = false;
        bool disconnectScheduled = false;
        bool disconnectEmitted = false;
    };

    void post(int side, std::function<void(LinkState &)> call)
    {
        QMetaObject::invokeMethod(
            m_ends[side].end->object(),
            [state = shared_from_this(), call = std::move(call)] { call(*state); }, Qt::QueuedConnection);
    }

    void scheduleReadyRead(int side)
    {
        End &e = m_ends[side];
        if (!e.end || !e.active || e.paused || e.readyReadPending || e.disconnectEmitted)
            return;
        e.readyReadPending = true;
        post(side, [side](LinkState &s) {
            End &end = s.m_ends[side];
            end.readyReadPending = false;
            if (end.end && !end.disconnectEmitted && s.bytesAvailable(side) > 0)
                end.end->notifyReadyRead();
        });
    }

    void scheduleBytesWritten(int side)
    {
        End &e = m_ends[side];
        if (!e.end || !e.active || e.bytesWrittenPending || e.disconnectEmitted)
            return;
        e.bytesWrittenPending = true;
        post(side, [side](LinkState &s) {
            End &end = s.m_ends[side];
            end.bytesWrittenPending = false;
            if (end.end && !end.disconnectEmitted)
                end.end->notifyBytesWritten();
        });
    }

    void scheduleDisconnected(int side)
    {
        End &e = m_ends[side];
        if (!e.end || !e.active || e.disconnectScheduled)
            return;
        e.disconnectScheduled = true;
        post(side, [side](LinkState &s) { s.deliverDisconnected(side); });
    }

    void deliverDisconnected(int side)
    {
        End &e = m_ends[side];
        if (e.disconnectEmitted || !e.end)
            return;
        // Bytes still waiting (the peer's last packets) are announced first.
        if (!e.paused && unread(side) > 0)
            e.end->notifyReadyRead();
        if (!m_ends[side].end || m_ends[side].disconnectEmitted)
            return;
        m_ends[side].disconnectEmitted = true;
        m_ends[side].end->notifyDisconnected();
    }

    QString m_name;
    End m_ends[2];
    bool m_open = true; // neither end closed, aborted or was destroyed
};

// The server end: a session::ClientSocket for MqttServer::accept().
class InProcessServerSocket : public session::ClientSocket, public LinkEnd
{
    Q_OBJECT
public:
    explicit InProcessServerSocket(std::shared_ptr<LinkState> state)
        : m_state(std::move(state))
    {
        m_state->attach(ServerSide, this, true);
    }
    ~InProcessServerSocket() override { m_state->detach(ServerSide); }

    qint64 bytesAvailable() const override { return m_state->bytesAvailable(ServerSide); }
    qint64 read(char *data, qint64 maxSize) override { return m_state->read(ServerSide, data, maxSize); }
    void write(const QByteArray &data) override { m_state->write(ServerSide, data); }
    qint64 bytesToWrite() const override { return m_state->bytesToWrite(ServerSide); }
    void close() override { m_state->close(ServerSide); }
    void abort() override { m_state->abort(ServerSide); }
    QString peerDescription() const override { return QStringLiteral("in-process ") + m_state->name(); }
    void setReadPaused(bool paused) override { m_state->setPaused(ServerSide, paused); }

    QObject *object() override { return this; }
    void notifyReadyRead() override { Q_EMIT readyRead(); }
    void notifyBytesWritten() override { Q_EMIT bytesWritten(); }
    void notifyDisconnected() override { Q_EMIT disconnected(); }

private:
    std::shared_ptr<LinkState> m_state;
};

// The client end: a client::ClientTransport for MqttClient.
class InProcessClientTransport : public client::ClientTransport, public LinkEnd
{
    Q_OBJECT
public:
    explicit InProcessClientTransport(std::shared_ptr<LinkState> state)
        : m_state(std::move(state))
    {
        m_state->attach(ClientSide, this, false);
    }
    ~InProcessClientTransport() override { m_state->detach(ClientSide); }

    void open() override { m_state->open(ClientSide); }
    qint64 bytesAvailable() const override { return m_state->bytesAvailable(ClientSide); }
    qint64 read(char *data, qint64 maxSize) override { return m_state->read(ClientSide, data, maxSize); }
    void write(const QByteArray &data) override { m_state->write(ClientSide, data); }
    qint64 bytesToWrite() const override { return m_state->bytesToWrite(ClientSide); }
    void close() override { m_state->close(ClientSide); }
    void abort() override { m_state->abort(ClientSide); }
    QString describe() const override { return QStringLiteral("in-process ") + m_state->name(); }

    QObject *object() override { return this; }
    void notifyConnected() override { Q_EMIT connected(); }
    void notifyError(const QString &message) override { Q_EMIT errorOccurred(message); }
    void notifyReadyRead() override { Q_EMIT readyRead(); }
    void notifyBytesWritten() override { Q_EMIT bytesWritten(); }
    void notifyDisconnected() override { Q_EMIT disconnected(); }

private:
    std::shared_ptr<LinkState> m_state;
};

} // namespace

InProcessLink::Ends InProcessLink::create(const QString &name)
{
    auto state = std::make_shared<LinkState>(name);
    return {new InProcessServerSocket(state), new InProcessClientTransport(state)};
}

client::MqttClient::TransportFactory InProcessLink::connector(session::MqttServer *server,
                                                              const QString &name)
{
    return [server = QPointer<session::MqttServer>(server), name]() -> client::ClientTransport * {
        const Ends ends = create(name);
        if (server)
            server->accept(ends.server);
        else
            delete ends.server; // the client end's open() then reports the link closed
        return ends.client;
    };
}

} // namespace drover::transport

#include "inprocesslink.moc"
