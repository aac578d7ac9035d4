#include "sessionstore.h"

#include "clientconnection.h"
#include "session.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSession)

namespace drover::session {

SessionStore::SessionStore(const ServerContext &context, QObject *parent)
    : QObject(parent)
    , m_context(context)
{}

SessionStore::~SessionStore()
{
    qDeleteAll(std::exchange(m_sessions, {}));
}

SessionStore::Claim SessionStore::claim(const QString &clientId, bool cleanStart)
{
    Session *existing = m_sessions.value(clientId);
    if (existing) {
        if (ClientConnection *previous = existing->connection()) {
            previous->takeOver();
            existing->suspend(); // changes hands: no expiry, no will timer
        }
        if (!cleanStart)
            return Claim{existing, true};
        discard(existing);
    }
    auto *session = new Session(clientId, m_context, this);
    connect(session, &Session::expired, this, [this](Session *s) {
        qCDebug(lcSession) << "session of" << s->clientId() << "ended";
        discard(s);
    });
    m_sessions.insert(clientId, session);
    return Claim{session, false};
}

void SessionStore::discard(Session *session)
{
    if (m_sessions.value(session->clientId()) == session)
        m_sessions.remove(session->clientId());
    session->deleteLater();
}

} // namespace drover::session
