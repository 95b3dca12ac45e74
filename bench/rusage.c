/* rusage COMMAND [ARG...]: runs the command and prints, on stderr's last line, what it cost:
 * "rusage: maxrss_kb=N user_s=F sys_s=F" (from wait4). For make bench-scale, which needs a command's
 * own peak memory: a Python parent cannot measure it, because Linux keeps a process's peak RSS across
 * exec, so every child forked from Python starts at Python's size. This launcher is small, so what it
 * reports is the command's. Exit: the command's exit code (128 + N after signal N; 127 when it could
 * not start). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: rusage COMMAND [ARG...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "rusage: fork: %s\n", strerror(errno));
        return 127;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "rusage: cannot run '%s': %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "rusage: wait4: %s\n", strerror(errno));
            return 127;
        }
    }
    fprintf(stderr, "rusage: maxrss_kb=%ld user_s=%ld.%06ld sys_s=%ld.%06ld\n", ru.ru_maxrss, (long)ru.ru_utime.tv_sec,
            (long)ru.ru_utime.tv_usec, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
