#include "memorysecretbackend.h"

namespace drover::ui {

MemorySecretBackend::MemorySecretBackend(QObject *parent)
    : SecretBackend(parent)
{}

void MemorySecretBackend::read(const QString &key, Done done)
{
    Result result;
    if (!m_unavailableReason.isEmpty())
        result = {Status::Unavailable, {}, m_unavailableReason};
    else if (!m_secrets.contains(key))
        result.status = Status::NotFound;
    else
        result.secret = m_secrets.value(key);
    finishLater(std::move(done), result);
}

void MemorySecretBackend::write(const QString &key, const QString &secret, Done done)
{
    Result result;
    if (!m_unavailableReason.isEmpty())
        result = {Status::Unavailable, {}, m_unavailableReason};
    else
        m_secrets.insert(key, secret);
    finishLater(std::move(done), result);
}

void MemorySecretBackend::remove(const QString &key, Done done)
{
    Result result;
    if (!m_unavailableReason.isEmpty())
        result = {Status::Unavailable, {}, m_unavailableReason};
    else
        m_secrets.remove(key);
    finishLater(std::move(done), result);
}

QString MemorySecretBackend::description() const
{
    return QStringLiteral("memory (this session only)");
}

void MemorySecretBackend::setUnavailable(const QString &reason)
{
    m_unavailableReason = reason.isEmpty() ? QStringLiteral("not available") : reason;
    m_secrets.clear();
}

void MemorySecretBackend::setAvailable()
{
    m_unavailableReason.clear();
}

} // namespace drover::ui
