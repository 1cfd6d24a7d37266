#if defined(__linux__)
#define _GNU_SOURCE
#endif

#include "CXPCWireTransportShim.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <sys/ucred.h>
#include <bsm/audit.h>
#include <libproc.h>
#endif

size_t cxpcwire_cmsg_space(size_t length) { return CMSG_SPACE(length); }
size_t cxpcwire_cmsg_len(size_t length) { return CMSG_LEN(length); }
struct cmsghdr *cxpcwire_cmsg_firsthdr(const struct msghdr *message) { return CMSG_FIRSTHDR(message); }
struct cmsghdr *cxpcwire_cmsg_nxthdr(struct msghdr *message, struct cmsghdr *header) {
    return CMSG_NXTHDR(message, header);
}
unsigned char *cxpcwire_cmsg_data(struct cmsghdr *header) { return CMSG_DATA(header); }

int cxpcwire_scm_rights(void) { return SCM_RIGHTS; }
int cxpcwire_msg_ctrunc(void) { return MSG_CTRUNC; }
int cxpcwire_msg_dontwait(void) { return MSG_DONTWAIT; }

int cxpcwire_msg_cmsg_cloexec(void) {
#if defined(MSG_CMSG_CLOEXEC)
    return MSG_CMSG_CLOEXEC;
#else
    return 0;
#endif
}

int cxpcwire_msg_nosignal(void) {
#if defined(__linux__) && defined(MSG_NOSIGNAL)
    return MSG_NOSIGNAL;
#else
    return 0;
#endif
}

int cxpcwire_accept_cloexec(int socket) {
#if defined(__linux__)
    return accept4(socket, NULL, NULL, SOCK_CLOEXEC);
#else
    int descriptor = accept(socket, NULL, NULL);
    if (descriptor >= 0) fcntl(descriptor, F_SETFD, FD_CLOEXEC);
    return descriptor;
#endif
}

int cxpcwire_pipe_cloexec(int descriptors[2]) {
#if defined(__linux__)
    return pipe2(descriptors, O_CLOEXEC);
#else
    if (pipe(descriptors) != 0) return -1;
    fcntl(descriptors[0], F_SETFD, FD_CLOEXEC);
    fcntl(descriptors[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

int cxpcwire_get_peer_credentials(int socket, cxpcwire_peer_credentials *credentials) {
    memset(credentials, 0, sizeof(*credentials));
#if defined(__linux__)
    struct ucred peer;
    socklen_t length = sizeof(peer);
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) return -1;
    if (length != sizeof(peer)) { errno = EINVAL; return -1; }
    credentials->pid = peer.pid;
    credentials->effective_uid = peer.uid;
    credentials->effective_gid = peer.gid;
    credentials->has_pid = peer.pid > 0;
    if (peer.pid > 0) {
        // The kernel audit session (set by pam_loginuid); 4294967295 (AUDIT_SID_UNSET) means none.
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/sessionid", (int)peer.pid);
        int file = open(path, O_RDONLY | O_CLOEXEC);
        if (file >= 0) {
            char text[32];
            ssize_t count = read(file, text, sizeof(text) - 1);
            close(file);
            if (count > 0) {
                text[count] = 0;
                char *end = NULL;
                unsigned long value = strtoul(text, &end, 10);
                if (end != text && value < 4294967295UL) {
                    credentials->audit_session_id = (uint32_t)value;
                    credentials->has_audit_session_id = 1;
                }
            }
        }
    }
    return 0;
#elif defined(__APPLE__)
    struct xucred peer;
    socklen_t length = sizeof(peer);
    if (getsockopt(socket, SOL_LOCAL, LOCAL_PEERCRED, &peer, &length) != 0) return -1;
    if (peer.cr_version != XUCRED_VERSION || peer.cr_ngroups < 1) { errno = EINVAL; return -1; }
    credentials->effective_uid = peer.cr_uid;
    credentials->effective_gid = peer.cr_groups[0];
    pid_t pid = 0;
    length = sizeof(pid);
    if (getsockopt(socket, SOL_LOCAL, LOCAL_PEERPID, &pid, &length) == 0 && pid > 0) {
        credentials->pid = pid;
        credentials->has_pid = 1;
    }
    audit_token_t token;
    length = sizeof(token);
    if (getsockopt(socket, SOL_LOCAL, LOCAL_PEERTOKEN, &token, &length) == 0) {
        credentials->audit_session_id = token.val[6];  // audit_token_to_asid
        credentials->has_audit_session_id = 1;
    }
    return 0;
#else
    errno = ENOTSUP;
    return -1;
#endif
}

int cxpcwire_executable_path(int32_t pid, char *buffer, size_t capacity) {
    if (capacity < 2) { errno = ERANGE; return -1; }
#if defined(__linux__)
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    ssize_t length = readlink(path, buffer, capacity - 1);
    if (length < 0) return -1;
    if ((size_t)length >= capacity - 1) { errno = ENAMETOOLONG; return -1; }
    buffer[length] = 0;
    return (int)length;
#elif defined(__APPLE__)
    int length = proc_pidpath(pid, buffer, (uint32_t)capacity);
    if (length <= 0) return -1;
    buffer[length < (int)capacity ? length : (int)capacity - 1] = 0;
    return length;
#else
    errno = ENOTSUP;
    return -1;
#endif
}
