#include "subscriptiondialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace drover::ui {

SubscriptionDialog::SubscriptionDialog(mqtt::ProtocolVersion version, const QStringList &applications,
                                       QWidget *parent)
    : QDialog(parent)
    , m_version(version)
    , m_application(new QComboBox(this))
    , m_device(new QLineEdit(this))
    , m_channel(new QLineEdit(this))
    , m_group(new QLineEdit(this))
    , m_binary(
          new QCheckBox(tr("Binary content mode: data as the payload, attributes as user properties"), this))
    , m_earliest(new QCheckBox(
          tr("Replay what the gateway still holds (a new consumer group starts at the oldest event)"), this))
    , m_qos(new QComboBox(this))
    , m_problem(new QLabel(this))
    , m_filter(new QLabel(this))
{
    setWindowTitle(tr("New subscription"));
    m_application->setEditable(true);
    m_application->addItems(applications);
    m_application->setObjectName(QStringLiteral("application"));
    m_device->setPlaceholderText(tr("every device"));
    m_channel->setPlaceholderText(tr("every channel"));
    m_group->setPlaceholderText(tr("none: this console's own consumer group"));
    m_qos->addItems({tr("0: at most once"), tr("1: at least once")});
    m_qos->setCurrentIndex(1);
    if (version != mqtt::ProtocolVersion::V5) {
        const QString why = tr("needs MQTT 5; this connection speaks 3.1.1");
        m_binary->setEnabled(false);
        m_binary->setToolTip(why);
        m_earliest->setEnabled(false);
        m_earliest->setToolTip(why);
    }
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #b3261e"));
    m_filter->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *form = new QFormLayout;
    form->addRow(tr("&Application:"), m_application);
    form->addRow(tr("&Device:"), m_device);
    form->addRow(tr("&Channel:"), m_channel);
    form->addRow(tr("Shared &group:"), m_group);
    form->addRow(tr("&QoS:"), m_qos);
    form->addRow(QString(), m_binary);
    form->addRow(QString(), m_earliest);
    form->addRow(tr("Topic filter:"), m_filter);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Subscribe"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);

    for (QLineEdit *edit : {m_device, m_channel, m_group})
        connect(edit, &QLineEdit::textChanged, this, &SubscriptionDialog::validate);
    connect(m_application, &QComboBox::currentTextChanged, this, &SubscriptionDialog::validate);
    connect(m_binary, &QCheckBox::toggled, this, &SubscriptionDialog::validate);
    connect(m_earliest, &QCheckBox::toggled, this, &SubscriptionDialog::validate);
    validate();
}

void SubscriptionDialog::setSubscription(const EventSubscription &s)
{
    m_application->setCurrentText(s.application);
    m_device->setText(s.device);
    m_channel->setText(s.channel);
    m_group->setText(s.sharedGroup);
    m_binary->setChecked(s.binary);
    m_earliest->setChecked(s.fromEarliest);
    m_qos->setCurrentIndex(s.qos == mqtt::QoS::AtMostOnce ? 0 : 1);
}

EventSubscription SubscriptionDialog::subscription() const
{
    EventSubscription s;
    s.application = m_application->currentText().trimmed();
    s.device = m_device->text().trimmed();
    s.channel = m_channel->text().trimmed();
    s.sharedGroup = m_group->text().trimmed();
    s.binary = m_binary->isChecked();
    s.fromEarliest = m_earliest->isChecked();
    s.qos = m_qos->currentIndex() == 0 ? mqtt::QoS::AtMostOnce : mqtt::QoS::AtLeastOnce;
    return s;
}

void SubscriptionDialog::validate()
{
    const EventSubscription s = subscription();
    const QString problem = s.validate(m_version);
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_filter->setText(problem.isEmpty() ? QString::fromUtf8(s.filter()) : QString());
    if (auto *buttons = findChild<QDialogButtonBox *>())
        buttons->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
}

} // namespace drover::ui
