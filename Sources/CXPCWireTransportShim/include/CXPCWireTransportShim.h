// CXPCWireTransportShim: the few socket facilities Swift cannot express directly — the CMSG_*
// macros of <sys/socket.h> and the platform structures behind peer credentials. Everything else
// in XPCWireTransport is Swift.

#ifndef CXPCWIRETRANSPORTSHIM_H
#define CXPCWIRETRANSPORTSHIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#ifdef __linux__
// Not in Swift's Glibc module: the connection's thread waits with epoll (ReadinessWaiter.swift).
#include <sys/epoll.h>
#endif

/// The most descriptors one message may carry: Linux's SCM_MAX_FD, which the kernel does not
/// export to user space. Darwin's limit is higher; the transport uses this one on every platform.
#define CXPCWIRE_MAX_FDS_PER_MESSAGE 253

/// `CMSG_SPACE(length)`.
size_t cxpcwire_cmsg_space(size_t length);
/// `CMSG_LEN(length)`.
size_t cxpcwire_cmsg_len(size_t length);
/// `CMSG_FIRSTHDR(message)`.
struct cmsghdr *_Nullable cxpcwire_cmsg_firsthdr(const struct msghdr *_Nonnull message);
/// `CMSG_NXTHDR(message, header)`.
struct cmsghdr *_Nullable cxpcwire_cmsg_nxthdr(struct msghdr *_Nonnull message, struct cmsghdr *_Nonnull header);
/// `CMSG_DATA(header)`.
unsigned char *_Nonnull cxpcwire_cmsg_data(struct cmsghdr *_Nonnull header);

/// `SCM_RIGHTS`.
int cxpcwire_scm_rights(void);
/// `MSG_CMSG_CLOEXEC` on Linux; 0 where the flag does not exist (Darwin sets `FD_CLOEXEC` after
/// receiving instead).
int cxpcwire_msg_cmsg_cloexec(void);
/// `MSG_NOSIGNAL` on Linux; 0 on Darwin, where sockets get `SO_NOSIGPIPE` instead.
int cxpcwire_msg_nosignal(void);
/// `MSG_DONTWAIT`.
int cxpcwire_msg_dontwait(void);
/// `MSG_CTRUNC`.
int cxpcwire_msg_ctrunc(void);

/// `accept4(socket, NULL, NULL, SOCK_CLOEXEC)` on Linux (a GNU extension Swift's Glibc module does
/// not import). Returns the descriptor, or -1 with `errno`.
int cxpcwire_accept_cloexec(int socket);
/// `pipe2(descriptors, O_CLOEXEC)` on Linux (a GNU extension). Returns 0, or -1 with `errno`.
int cxpcwire_pipe_cloexec(int descriptors[_Nonnull 2]);

/// The identity of the process at the other end of a connected Unix-domain socket.
typedef struct {
    int32_t pid;
    uint32_t effective_uid;
    uint32_t effective_gid;
    /// Non-zero when `pid` is known.
    int32_t has_pid;
    /// Darwin: the audit session id from `LOCAL_PEERTOKEN`.
    uint32_t audit_session_id;
    /// Non-zero when `audit_session_id` is known.
    int32_t has_audit_session_id;
} cxpcwire_peer_credentials;

/// Reads the peer's credentials: `getsockopt(SO_PEERCRED)` and `/proc/PID/sessionid` (the kernel
/// audit session) on Linux; `LOCAL_PEERCRED`, `LOCAL_PEERPID` and `LOCAL_PEERTOKEN` on Darwin.
/// Returns 0, or -1 with `errno` set.
int cxpcwire_get_peer_credentials(int socket, cxpcwire_peer_credentials *_Nonnull credentials);

/// The executable of process `pid`: `readlink("/proc/PID/exe")` on Linux, `proc_pidpath` on
/// Darwin. Writes a NUL-terminated path into `buffer` and returns its length, or -1 with `errno`.
int cxpcwire_executable_path(int32_t pid, char *_Nonnull buffer, size_t capacity);

#endif
