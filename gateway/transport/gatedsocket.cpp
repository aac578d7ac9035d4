#include "gatedsocket.h"

#include <QMetaMethod>

namespace drover::transport {

template <typename Socket> qint64 GatedSocket<Socket>::bytesAvailable() const
{
    return m_held ? 0 : Socket::bytesAvailable();
}

template <typename Socket> void GatedSocket<Socket>::setHeld(bool held)
{
    m_held = held;
    if (held || m_readyReadPending || Socket::bytesAvailable() == 0)
        return;
    m_readyReadPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_readyReadPending = false;
            if (m_held || Socket::bytesAvailable() == 0)
                return;
            Q_EMIT this->readyRead();
            // A full read buffer turned the socket's read notifications off (over TLS: stopped
            // the decryption), and Qt turns them on again only once a reader empties the
            // buffer; QWebSocket leaves an incomplete frame in it. A read of 0 bytes turns
            // them on (over TLS: schedules the decryption of what waits).
            Socket::readData(nullptr, 0);
        },
        Qt::QueuedConnection);
}

template <typename Socket> void GatedSocket<Socket>::connectNotify(const QMetaMethod &signal)
{
    if (m_holdWhenUpgraded && signal == QMetaMethod::fromSignal(&QIODevice::readyRead)) {
        m_holdWhenUpgraded = false;
        m_held = true;
    }
    Socket::connectNotify(signal);
}

template class GatedSocket<QTcpSocket>;
template class GatedSocket<QSslSocket>;

} // namespace drover::transport
