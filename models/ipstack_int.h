/* ipstack_int.h: ipstack internals for the tests only (not part of the
 * ipstack.h contract). */
#ifndef SETSIM_IPSTACK_INT_H
#define SETSIM_IPSTACK_INT_H

struct frame;
struct ipstack;

/* ipstack_input() without its IPv4-unicast fast path: every frame takes
 * the general path (L2 filter, ARP, IPv4, IPv6), so that a test can check
 * the fast path against it frame by frame. */
void ipstack_input_general__(struct ipstack *s, struct frame *f);

#endif
