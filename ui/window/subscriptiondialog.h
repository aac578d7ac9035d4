// Asks what a new subscription tab should watch.
#pragma once

#include "eventsubscription.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;

namespace drover::ui {

class SubscriptionDialog : public QDialog
{
    Q_OBJECT
public:
    SubscriptionDialog(mqtt::ProtocolVersion version, const QStringList &applications,
                       QWidget *parent = nullptr);

    void setSubscription(const EventSubscription &subscription);
    EventSubscription subscription() const;

private:
    void validate();

    mqtt::ProtocolVersion m_version;
    QComboBox *m_application;
    QLineEdit *m_device;
    QLineEdit *m_channel;
    QLineEdit *m_group;
    QCheckBox *m_binary;
    QCheckBox *m_earliest;
    QComboBox *m_qos;
    QLabel *m_problem;
    QLabel *m_filter;
};

} // namespace drover::ui
