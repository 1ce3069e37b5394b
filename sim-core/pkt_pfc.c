/* pkt_pfc: PFC and PAUSE MAC Control frames (see pkt_pfc.h). */
#include "pkt_pfc.h"

#include <errno.h>
#include <string.h>

#include "pkt.h"

#define MAC_CTRL_BODY 46 /* opcode 2 + vector 2 + quanta 16 + padding 26 */

static const uint8_t pfc_dst__[PKT_ETH_ALEN] = PKT_PFC_DST_MAC;

/* DCB-003: destination 01-80-C2-00-00-01, source = the port's MAC,
 * EtherType 0x8808, opcode, then the parameters, zero-padded to 60 bytes. */
static int mac_ctrl_build__(struct frame *f, const uint8_t src[6], uint16_t opcode,
                            const uint8_t *params, size_t nparams)
{
    if (!f || !src || f->len != 0 || f->trailer_len != 0)
        return -EINVAL;
    uint8_t *p = frame_push(f, PKT_ETH_HLEN + MAC_CTRL_BODY);
    if (!p)
        return -ENOSPC;
    f->payload_len = 0;
    memcpy(p, pfc_dst__, PKT_ETH_ALEN);
    memcpy(p + PKT_ETH_ALEN, src, PKT_ETH_ALEN);
    p[12] = PKT_ETH_P_MAC_CTRL >> 8;
    p[13] = PKT_ETH_P_MAC_CTRL & 0xFF;
    p[14] = (uint8_t)(opcode >> 8);
    p[15] = (uint8_t)opcode;
    memcpy(p + 16, params, nparams);
    memset(p + 16 + nparams, 0, MAC_CTRL_BODY - 2 - nparams);
    return 0;
}

int pkt_pfc_build(struct frame *f, const uint8_t src[6], uint8_t enable,
                  const uint16_t quanta[PKT_PFC_PRIORITIES])
{
    if (!quanta)
        return -EINVAL;
    /* DCB-003: vector with upper octet 0, then quanta for priority 0..7 */
    uint8_t params[2 + 2 * PKT_PFC_PRIORITIES];
    params[0] = 0;
    params[1] = enable;
    for (int i = 0; i < PKT_PFC_PRIORITIES; i++) {
        params[2 + 2 * i] = (uint8_t)(quanta[i] >> 8);
        params[3 + 2 * i] = (uint8_t)quanta[i];
    }
    return mac_ctrl_build__(f, src, PKT_PFC_OPCODE, params, sizeof params);
}

int pkt_pfc_pause_build(struct frame *f, const uint8_t src[6], uint16_t quanta)
{
    uint8_t params[2] = {(uint8_t)(quanta >> 8), (uint8_t)quanta};
    return mac_ctrl_build__(f, src, PKT_PAUSE_OPCODE, params, sizeof params);
}

/* Checks the MAC Control header of a frame and its opcode; the parameters
 * (nparams bytes after the opcode) must be captured. */
static int mac_ctrl_check__(const uint8_t *b, size_t caplen, size_t wire_len, uint16_t opcode,
                            size_t nparams)
{
    if (!b || caplen > wire_len)
        return -EINVAL;
    if (wire_len < FRAME_ETH_MIN || caplen < PKT_ETH_HLEN + 2 + nparams)
        return -EMSGSIZE;
    if (pkt_rd16(b + 12) != PKT_ETH_P_MAC_CTRL || pkt_rd16(b + 14) != opcode)
        return -EPROTO;
    return 0;
}

int pkt_pfc_parse_bytes(const uint8_t *b, size_t caplen, size_t wire_len, struct pkt_pfc *pfc)
{
    if (!pfc)
        return -EINVAL;
    int err = mac_ctrl_check__(b, caplen, wire_len, PKT_PFC_OPCODE, 2 + 2 * PKT_PFC_PRIORITIES);
    if (err)
        return err;
    if (memcmp(b, pfc_dst__, PKT_ETH_ALEN) != 0)
        return -EPROTO; /* DCB-003: PFC goes to 01-80-C2-00-00-01 only */
    pfc->enable = pkt_rd16(b + 16);
    for (int i = 0; i < PKT_PFC_PRIORITIES; i++)
        pfc->quanta[i] = pkt_rd16(b + 18 + 2 * i);
    return 0;
}

int pkt_pfc_parse(const struct frame *f, struct pkt_pfc *pfc)
{
    if (!f)
        return -EINVAL;
    return pkt_pfc_parse_bytes(frame_cdata(f), f->len, frame_wire_len(f), pfc);
}

int pkt_pfc_pause_parse_bytes(const uint8_t *b, size_t caplen, size_t wire_len, uint16_t *quanta)
{
    if (!quanta)
        return -EINVAL;
    int err = mac_ctrl_check__(b, caplen, wire_len, PKT_PAUSE_OPCODE, 2);
    if (err)
        return err;
    *quanta = pkt_rd16(b + 16);
    return 0;
}

int pkt_pfc_pause_parse(const struct frame *f, uint16_t *quanta)
{
    if (!f)
        return -EINVAL;
    return pkt_pfc_pause_parse_bytes(frame_cdata(f), f->len, frame_wire_len(f), quanta);
}

sim_time_t pkt_pfc_quanta_time(uint16_t quanta, uint64_t rate_bps)
{
    if (rate_bps == 0)
        return 0;
    /* bits * 10^12 needs up to 68 bits: compute in 128 */
    __extension__ typedef unsigned __int128 u128;
    u128 ps = (u128)quanta * PKT_PFC_QUANTUM_BITS * SIM_S / rate_bps;
    return ps > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)ps;
}
