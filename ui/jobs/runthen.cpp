#include "runthen.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace sparsity::ui::detail {
namespace {

// What the posting thread wrote before the post happens before what the GUI thread reads
// after it. Qt guarantees that; these make ThreadSanitizer know it (no-ops otherwise).
void announceHandOver([[maybe_unused]] const void* what)
{
#if defined(__SANITIZE_THREAD__)
    __tsan_release(const_cast<void*>(what));
#endif
}

void receiveHandOver([[maybe_unused]] const void* what)
{
#if defined(__SANITIZE_THREAD__)
    __tsan_acquire(const_cast<void*>(what));
#endif
}

class DeliveryReceiver : public QObject
{
public:
    bool event(QEvent* event) override
    {
        if (event->type() != DeliveryEvent::eventType())
            return QObject::event(event);
        static_cast<DeliveryEvent*>(event)->deliver();
        return true;
    }
};

// Made once and kept for the life of the process: pool jobs may post until the very end.
DeliveryReceiver* receiver()
{
    static DeliveryReceiver* const instance = [] {
        auto* object = new DeliveryReceiver;
        object->moveToThread(QCoreApplication::instance()->thread());
        return object;
    }();
    return instance;
}

} // namespace

DeliveryEvent::DeliveryEvent(std::unique_ptr<Delivery> delivery)
    : QEvent(eventType())
    , m_delivery(std::move(delivery))
{}

// Also where an undelivered event is dropped (say, at exit): the GUI thread destroys what the
// pool thread made.
DeliveryEvent::~DeliveryEvent()
{
    receiveHandOver(this);
}

QEvent::Type DeliveryEvent::eventType()
{
    static const auto type = static_cast<Type>(QEvent::registerEventType());
    return type;
}

void DeliveryEvent::deliver()
{
    receiveHandOver(this);
    if (const std::unique_ptr<Delivery> delivery = std::move(m_delivery))
        delivery->run();
}

void postToGuiThread(std::unique_ptr<DeliveryEvent> event)
{
    announceHandOver(event.get());
    QCoreApplication::postEvent(receiver(), event.release());
}

} // namespace sparsity::ui::detail
