/* Running a tool from a helper without a shell. */
#ifndef LAB_SPAWN_H
#define LAB_SPAWN_H

#include <sys/wait.h>
#include <unistd.h>

/* Runs argv and waits; its output goes to stderr, away from the helper's JSON lines on stdout.
 * Returns the exit status, 128+signal, 127 when it cannot be executed, -1 when it cannot fork. */
static int run(char *const argv[])
{
    pid_t p = fork();
    if (p == 0) {
        dup2(2, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (p < 0 || waitpid(p, &st, 0) < 0) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#endif
