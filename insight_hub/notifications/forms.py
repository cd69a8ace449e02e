from django.contrib.auth.forms import PasswordResetForm
from django.template import loader

from .services import email_enqueue_rendered


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset emails go through the outbox like every other email, so a mail server that is down
    delays them instead of losing them (Django's form would send at once and fail the request)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = loader.render_to_string(subject_template_name, context)
        html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
        email_enqueue_rendered(
            key=f"password-reset:{context['uid']}:{context['token']}",
            kind="password_reset",
            to=to_email,
            subject=subject,
            text_body=loader.render_to_string(email_template_name, context),
            html_body=html,
        )
