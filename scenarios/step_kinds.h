/* The table of step kinds: one row each, X(ENUM, name). It makes enum scn_step_kind (scenario.h) and
 * scn_step_table, the kinds' ops (step.h, step_table.c); its order is the order `huixin lint` lists
 * the kinds in. A row's kind is the struct scn_step_ops scn_step_<name>_ops, defined in the kind's
 * scenarios/step_*.c with its JSON name, keys, parse, exec and release.
 *
 * A new kind is one new scenarios/step_*.c, one row here and one row in FORMAT.md's step table
 * (tests/unit/test_step_table.c holds the table and the document to each other). Fields a new kind
 * needs go in struct scn_step, next to the kinds that own the others. */
#ifndef HUIXIN_SCN_STEP_KINDS_H
#define HUIXIN_SCN_STEP_KINDS_H

#define SCN_STEP_KINDS(X)                                                   \
    X(GOTO, goto)               /* step_goto.c */                           \
    X(FILL, fill)               /* step_fill.c */                           \
    X(SELECT, select)           /* step_select.c */                         \
    X(CHECK, check)             /* step_checkbox.c: check, uncheck, choose */ \
    X(UNCHECK, uncheck)                                                     \
    X(CHOOSE, choose)                                                       \
    X(CLICK, click)             /* step_click.c: click, click_text */       \
    X(CLICK_TEXT, click_text)                                               \
    X(DISMISS, dismiss)         /* step_dismiss.c */                        \
    X(WAIT_FOR, wait_for)       /* step_wait.c: wait_for, assert */         \
    X(ASSERT, assert)                                                       \
    X(EXTRACT, extract)         /* step_extract.c */                        \
    X(SCREENSHOT, screenshot)   /* step_screenshot.c */                     \
    X(CAPTCHA, captcha)         /* step_captcha.c */                        \
    X(ASK, ask)                 /* step_ask.c */                            \
    X(FRAME, frame)             /* step_frame.c */                          \
    X(WINDOW, window)           /* step_window.c */                         \
    X(DIALOG, dialog)           /* step_dialog.c */                         \
    X(PAUSE, pause)             /* step_pause.c */                          \
    X(LIST_SEARCH, list_search) /* step_list_search.c */                    \
    X(MAIL_WAIT, mail_wait)     /* step_mail.c: mail_wait, mail_reply */    \
    X(MAIL_REPLY, mail_reply)

#endif
